// bindUdpTcpPair: one port for both protocols; a fixed port already taken on the TCP side fails at
// once and leaves no UDP socket behind (the port can be bound again afterwards).
import test from 'ava';
import { createServer } from 'node:net';
import { bindUdpTcpPair } from '../../src/lib/udp-tcp-pair.js';

test('UDP and TCP share the port the kernel picked', async (t) => {
  const pair = await bindUdpTcpPair('127.0.0.1', 0, (socket) => socket.end());
  t.teardown(() => {
    pair.udp.close();
    pair.tcp.close();
  });
  t.true(pair.port > 0);
  t.is(pair.udp.address().port, pair.port);
  t.deepEqual((pair.tcp.address() as { port: number }).port, pair.port);
});

test('a fixed port taken on the TCP side fails with EADDRINUSE and releases the UDP side', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const error = await t.throwsAsync(bindUdpTcpPair('127.0.0.1', port, () => undefined));
  t.is((error as NodeJS.ErrnoException).code, 'EADDRINUSE');
  blocker.close();
  await new Promise<void>((resolve) => blocker.once('close', resolve));
  const pair = await bindUdpTcpPair('127.0.0.1', port, () => undefined);
  pair.udp.close();
  pair.tcp.close();
  t.is(pair.port, port);
});
