import t from 'tap';
import { parseDuration } from '../harness/config/duration.ts';

t.equal(parseDuration('500ms'), 500);
t.equal(parseDuration('5s'), 5000);
t.equal(parseDuration('1.5s'), 1500);
t.equal(parseDuration('2m'), 120_000);
t.equal(parseDuration(250), 250);
t.throws(() => parseDuration('5 seconds'), /not a duration/);
