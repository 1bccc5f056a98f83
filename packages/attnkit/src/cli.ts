/**
 * The `attnkit` command. `attnkit doctor [--json]` prints the backend report for this machine.
 */
import { doctor } from './doctor.js';

const USAGE = `usage: attnkit doctor [--json]

  doctor   probe every backend attnkit can use here, say why each is or is not usable,
           and which one select() picks (ATTNKIT_BACKEND=name forces one)`;

const [command, ...rest] = process.argv.slice(2);
if (command === 'doctor') {
  doctor(rest).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`attnkit doctor: ${(e as Error)?.message ?? String(e)}`);
      process.exit(2);
    },
  );
} else {
  console.log(USAGE);
  process.exit(command === undefined || command === '--help' || command === '-h' ? 0 : 2);
}
