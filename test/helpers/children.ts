/**
 * Child processes of a test (hil run, the virtual rig, suites) run TypeScript through tsx, whose
 * coverage tap cannot map back to the sources; recorded, it garbles the whole report. tap's
 * process hook reaches every child, so instead this tells the children's hook to record no files
 * (it reads the variable when a process starts; this test process has already started).
 */
process.env._TAPJS_PROCESSINFO_COV_EXCLUDE_ = '/.*/';
