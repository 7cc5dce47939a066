// Demo parts of docker/compose.yaml, one script in two roles (MODE):
// - sink:   an SMTP server (smtp-server) that accepts every message and logs one line per message,
//           so `docker compose logs -f mta1 mta2 mta3` shows where mail went;
// - sender: every INTERVAL ms resolves RELAY_NAME through RESOLVER (an mxlb instance, as a sender's
//           resolver would forward the relay zone to it) and sends one message to the first address
//           of the answer, port SMTP_PORT, logging the answer and the relay used.
import { Resolver } from 'node:dns/promises';
import { createTransport } from 'nodemailer';
import { SMTPServer } from 'smtp-server';

const env = process.env;
const name = env.NAME ?? 'mta';

if ((env.MODE ?? 'sink') === 'sink') {
  let count = 0;
  const server = new SMTPServer({
    name,
    banner: 'mxlb demo sink',
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        count += 1;
        console.log(`${name}: message ${count} from ${session.envelope.mailFrom ? session.envelope.mailFrom.address : '<>'} via ${session.remoteAddress}`);
        callback(null, `queued on ${name}`);
      });
    },
  });
  server.on('error', (error) => console.error(`${name}: ${error.message}`));
  server.listen(Number(env.PORT ?? 25), env.HOST ?? '0.0.0.0', () => console.log(`${name}: listening on ${env.HOST ?? '0.0.0.0'}:${server.server.address().port}`));
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} else {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers((env.RESOLVER ?? '127.0.0.1:53').split(','));
  const relayName = env.RELAY_NAME ?? 'smtp.relay.demo.test';
  const port = Number(env.SMTP_PORT ?? 25);
  const limit = Number(env.COUNT ?? 0); // 0: forever
  let sent = 0;
  const once = async () => {
    const addresses = await resolver.resolve4(relayName, { ttl: true });
    const target = addresses[0].address;
    const transport = createTransport({ host: target, port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ from: 'demo@sender.test', to: 'someone@example.test', subject: `demo ${sent + 1}`, text: 'hello' });
    sent += 1;
    console.log(`sender: ${relayName} -> [${addresses.map((a) => a.address).join(' ')}] ttl ${addresses[0].ttl}; sent ${sent} via ${target}: ${info.response}`);
  };
  const timer = setInterval(() => {
    once().catch((error) => console.log(`sender: ${error.message}`)).finally(() => {
      if (limit > 0 && sent >= limit) {
        clearInterval(timer);
        process.exit(0);
      }
    });
  }, Number(env.INTERVAL ?? 1000));
  process.once('SIGTERM', () => process.exit(0));
}
