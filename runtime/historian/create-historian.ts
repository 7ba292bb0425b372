// Picks the backend from the configuration: QuestDB when QUESTDB_URL is set, the embedded store otherwise.
import type { HeatgridConfig } from '../config.ts';
import { createLogger, type Logger } from '../log.ts';
import type { Historian, HistorianOptions } from './historian.ts';
import { EmbeddedHistorian } from './embedded-historian.ts';
import { QuestDbHistorian } from './questdb-historian.ts';

/** Creates and starts the historian (schema created or migrated). */
export async function createHistorian(
  config: Pick<HeatgridConfig, 'questdbUrl' | 'dataDir' | 'logLevel'>,
  logger: Logger = createLogger('historian', config.logLevel),
  options: HistorianOptions = {},
): Promise<Historian> {
  const historian = config.questdbUrl
    ? new QuestDbHistorian(config.questdbUrl, config.dataDir, options, logger)
    : new EmbeddedHistorian(config.dataDir, options, logger);
  await historian.start();
  return historian;
}
