import { type Config } from '../config/config';
import { type DoctorCheck } from './report';

/** What the configuration selects: policy, VCD, chat transport and database. */
export function configCheck(config: Config): DoctorCheck {
  const policy = config.policy;
  const vcd = config.vcd.kind === 'simulated' ? 'embedded VCD simulator' : `VCD ${config.vcd.url}`;
  const slack =
    config.slack.kind === 'shell'
      ? 'local shell (no Slack)'
      : `Slack ${config.slack.kind === 'http' ? 'HTTP' : 'Socket'} mode`;
  const database = config.database.kind === 'sqlite' ? `SQLite in ${config.database.dataDir}` : 'PostgreSQL';
  return {
    name: 'config',
    status: 'ok',
    detail:
      `${config.policySource === 'built-in' ? 'built-in policy' : config.policySource}: ` +
      `${policy.templates.length} templates, ${policy.kinds.length} lab kinds; ${vcd}; ${slack}; ${database}`,
  };
}
