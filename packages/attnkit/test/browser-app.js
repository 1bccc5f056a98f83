// A browser app as a user writes it: imports attnkit by name.
import { select, formatReport } from 'attnkit';

const { backend, report } = await select();
document.body.textContent = `${backend.name}\n${formatReport(report)}`;
