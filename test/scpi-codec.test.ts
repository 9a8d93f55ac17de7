import t from 'tap';
import {
  parseIdentification,
  formatErrorReply,
  matchHeader,
  parseBoolean,
  parseErrorReply,
  parseUnit,
  parseVolts,
  splitMessage,
} from '../harness/wire/scpi.ts';

const VOLTAGE = '[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]';

t.test('short and long forms, any case, optional nodes (SCPI-99 6.2)', async (t) => {
  for (const sent of ['VOLT 3.3', 'VOLTAGE 3.3', 'volt:lev 3.3', 'SOUR:VOLT:LEV:IMM:AMPL 3.3', ':SOURce:VOLTage 3.3']) {
    t.ok(matchHeader(VOLTAGE, parseUnit(sent)), `${sent} is ${VOLTAGE}`);
  }
  t.notOk(matchHeader(VOLTAGE, parseUnit('VOLTA 3.3')), 'a form that is neither short nor long does not match');
  t.notOk(matchHeader(VOLTAGE, parseUnit('VOLT? ')), 'a query does not match a command');
  t.ok(matchHeader('MEASure[:SCALar]:VOLTage[:DC]?', parseUnit('MEAS:VOLT?')));
  t.ok(matchHeader('MEASure[:SCALar]:VOLTage[:DC]?', parseUnit('meas:scal:volt:dc?')));
  t.notOk(matchHeader('MEASure[:SCALar]:VOLTage[:DC]?', parseUnit('MEAS:CURR?')));
  t.ok(matchHeader('*IDN?', parseUnit('*idn?')));
});

t.test('numeric suffixes name channels; absent means 1', async (t) => {
  t.same(matchHeader('OUTPut[:STATe]', parseUnit('OUTP2:STAT ON')), [2, 1]);
  t.same(matchHeader('OUTPut[:STATe]', parseUnit('OUTP ON')), [1]);
  t.same(matchHeader('INSTrument[:NSELect]', parseUnit('INST:NSEL 2')), [1, 1]);
});

t.test('program messages split on ; outside quotes', async (t) => {
  t.same(splitMessage('INST:NSEL 1;VOLT 3.3;OUTP ON'), ['INST:NSEL 1', 'VOLT 3.3', 'OUTP ON']);
  t.same(splitMessage('DISP:TEXT "a;b";*IDN?'), ['DISP:TEXT "a;b"', '*IDN?']);
  t.same(parseUnit('APPL CH1, 3.3, 0.5'), { header: 'APPL', query: false, params: ['CH1', '3.3', '0.5'] });
});

t.test('values', async (t) => {
  t.equal(parseVolts('3.3'), 3.3);
  t.equal(parseVolts('3.30E+00'), 3.3);
  t.equal(parseVolts('3300mV'), 3.3);
  t.equal(parseVolts('2.5 V'), 2.5);
  t.equal(parseVolts('three'), undefined);
  t.equal(parseBoolean('ON'), true);
  t.equal(parseBoolean('0'), false);
  t.equal(parseBoolean('maybe'), undefined);
});

t.test('error queue replies (SCPI-99 21.8)', async (t) => {
  t.same(parseErrorReply('0,"No error"'), { code: 0, message: 'No error' });
  t.same(parseErrorReply('-113,"Undefined header"\r'), { code: -113, message: 'Undefined header' });
  t.equal(formatErrorReply(-222, 'Data out of range'), '-222,"Data out of range"');
  t.throws(() => parseErrorReply('OK'), /not a SCPI error reply/);
});

t.test('*IDN? answers as IEEE 488.2 10.14 lays them out; anything else on the port is refused', async (t) => {
  t.same(parseIdentification('Rigol Technologies,DP832,DP8C123456789,00.01.14\n'), {
    manufacturer: 'Rigol Technologies',
    model: 'DP832',
    serial: 'DP8C123456789',
    firmware: '00.01.14',
  });
  t.throws(() => parseIdentification('HTTP/1.1 400 Bad Request\r\n'), /not an IEEE 488\.2 identification/);
  t.throws(() => parseIdentification(',,,'), /not an IEEE 488\.2 identification/);
});
