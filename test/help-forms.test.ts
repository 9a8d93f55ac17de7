// The fuzz grammar's harvest reads `help` in the form each shell prints it: a sample of each form as
// the shell prints it (U-Boot 2023.01, Zephyr 3.x, FreeRTOS+CLI's sample commands, ESP-IDF's
// system and NVS examples, BusyBox ash), read in that form, with what restarts, sleeps or leaves the
// shell never sent; and the plain form (the virtual board's, and the profile's notation) as before.
import t from 'tap';
import { harvestHelp } from '../harness/fuzz/help-forms.ts';

const shown = (lines: string[]) => {
  const harvest = harvestHelp(lines);
  return { form: harvest.form, commands: harvest.commands.map((c) => [c.name, ...c.args].join(' ')) };
};

t.test('U-Boot: `cmd - description`', async (t) => {
  const help = [
    '=> help',
    "?         - alias for 'help'",
    'base      - print or set address offset',
    "boot      - boot default, i.e., run 'bootcmd'",
    'cmp       - memory compare',
    'crc32     - checksum calculation',
    'erase     - erase FLASH memory',
    'md        - memory display',
    'mw        - memory write (fill)',
    'reset     - Perform RESET of the CPU',
    'version   - print monitor, compiler and linker version',
  ];
  t.same(shown(help), { form: 'u-boot', commands: ['base', 'cmp', 'crc32', 'md', 'mw', 'version'] });
});

t.test('Zephyr: `cmd  :description` and subcommands', async (t) => {
  const help = [
    'uart:~$ help',
    'Please press the <Tab> button to see all available commands.',
    'You can try to call commands with <-h> or <--help> parameter for more information.',
    '',
    'Shell supports following meta-keys:',
    '  Ctrl + (a key from: abcdefklnpuw)',
    'Please refer to shell documentation for more details.',
    '',
    'Available commands:',
    '  clear    :Clear screen.',
    '  devmem   :Read/write physical memory',
    '            Usage:',
    '            Read memory at address with optional width:',
    '  help     :Prints the help message.',
    '  kernel   :Kernel commands',
    '  resize   :Console gets terminal screen size or assumes default in case the',
    '            readout fails. It must be executed after each terminal width',
    'uart:~$ kernel -h',
    'kernel - Kernel commands',
    'Subcommands:',
    '  cycles   :Kernel cycles.',
    '  reboot   :Reboot.',
    '  threads  :List kernel threads.',
  ];
  t.same(shown(help), {
    form: 'zephyr',
    commands: ['clear', 'devmem', 'help', 'kernel', 'resize', 'kernel cycles', 'kernel threads'],
  });
});

t.test('FreeRTOS+CLI: `cmd <args>:` then its description', async (t) => {
  const help = [
    '>help',
    '',
    'help:',
    ' Lists all the registered commands',
    '',
    '',
    'task-stats:',
    ' Displays a table showing the state of each FreeRTOS task',
    '',
    'echo-3-parameters <param1> <param2> <param3>:',
    ' Expects three parameters, echos each in turn',
    '',
    'echo-parameters <...>:',
    ' Take variable number of parameters, echos each in turn',
    '',
  ];
  t.same(shown(help), {
    form: 'freertos',
    commands: ['help', 'task-stats', 'echo-3-parameters <param1> <param2> <param3>', 'echo-parameters <...>'],
  });
});

t.test('ESP-IDF console: `cmd  <args>` then indented text', async (t) => {
  const help = [
    'esp32> help',
    'help  [<string>] [-v <0|1>]',
    '  Print the summary of all registered commands if no arguments are given,',
    '  otherwise print summary of given command.',
    '      <string>  Name of command',
    '  -v, --verbose=<0|1>  If specified, list console commands with given verbose level',
    '',
    'free ',
    '  Get the current size of free heap memory',
    '',
    'restart ',
    '  Software reset of the chip',
    '',
    'deep_sleep  [-t <t>] [--io=<n>] [--io_level=<0|1>]',
    '  Enter deep sleep mode. Two wakeup modes are supported: timer and GPIO.',
    '',
    'nvs_set  <key> <type>  -v <value>',
    '  Set key-value pair in selected namespace.',
    'Examples:',
    ' nvs_set VarName i32 -v 123 ',
    '      <key>  key of the value to be set',
    '',
    'log_level  <tag> --level=<level>...',
    '  Set the log level of a tag',
  ];
  t.same(shown(help), {
    form: 'esp-idf',
    commands: ['help [<string>] [-v<0|1>]', 'free', 'nvs_set <key> <type> -v <value>', 'log_level <tag> <level>'],
  });
});

t.test('BusyBox: the names after `Built-in commands:`', async (t) => {
  const help = [
    '~ # help',
    'Built-in commands:',
    '------------------',
    '\t. : [ [[ alias bg break cd chdir command continue echo eval exec',
    '\texit export false fg getopts hash help',
    '~ # ',
  ];
  const harvest = shown(help);
  t.equal(harvest.form, 'busybox');
  t.same(harvest.commands, [
    'alias',
    'bg',
    'break',
    'cd',
    'chdir',
    'command',
    'continue',
    'echo',
    'eval',
    'exec',
    'export',
    'false',
    'fg',
    'getopts',
    'hash',
    'help',
  ]);
});

t.test('plain: a command and its shapes a line, when no shell form reads anything', async (t) => {
  const help = ['help', 'version', 'reboot', 'echo <words>', 'cfg get <key>', 'cfg set <key> <value>'];
  t.same(shown(help), {
    form: 'plain',
    commands: ['help', 'version', 'echo <words>', 'cfg get <key>', 'cfg set <key> <value>'],
  });
  t.same(
    shown(['esp32> help', 'Unrecognized command', 'esp32> ']),
    { form: 'plain', commands: [] },
    'an error message in answer lists no command: prose starts with a capital',
  );
  t.same(
    harvestHelp(['help      - print help', 'md        - memory display'], ['md']).commands.map((c) => c.name),
    ['help'],
    "the profile's exclude leaves a command out, in any form",
  );
});
