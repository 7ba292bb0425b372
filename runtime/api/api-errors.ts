// Domain errors → API answers. Services throw their own errors with codes; the status each code deserves
// is decided here once: unknown things 404, taken ids 409, well-formed but refused input 422.
import { DeviceError } from '../devices/validation.ts';
import { SmartGroupError } from '../devices/smart-groups.ts';
import { SelectionError } from '../devices/selection.ts';
import { CsvImportError } from '../devices/csv-import.ts';
import { TemplateStoreError } from '../templates/template-store.ts';
import { HistorianQueryError } from '../historian/query-checks.ts';
import { ApiTokenError } from '../auth/api-tokens.ts';
import { AlarmError, ALARM_ERROR_STATUS } from '../alarms/rule-validation.ts';
import { ReportError } from '../reports/definition-validation.ts';
import { UserError } from '../auth/users.ts';
import { UserSettingsError } from '../auth/user-settings.ts';
import { ApiError } from './operation.ts';

const STATUS_BY_CODE: Record<string, number> = {
  device_not_found: 404,
  group_not_found: 404,
  template_not_found: 404,
  token_not_found: 404,
  unknown_devices: 404,
  unknown_group: 404,
  device_exists: 409,
  group_exists: 409,
  template_exists: 409,
  template_builtin: 409,
  invalid_device: 422,
  invalid_query: 422,
  invalid_group: 422,
  invalid_template: 422,
  invalid_selection: 422,
  invalid_token_request: 422,
  report_not_found: 404,
  run_not_found: 404,
  file_not_found: 404,
  report_exists: 409,
  invalid_report: 422,
  report_too_large: 422,
  user_not_found: 404,
  user_exists: 409,
  last_admin: 409,
  invalid_username: 422,
  weak_password: 422,
  invalid_role: 422,
  invalid_settings: 422,
};

/** The ApiError for a thrown value, or null when it is not a known refusal (then it is a bug: 500). */
export function apiErrorOf(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof DeviceError || err instanceof SmartGroupError || err instanceof SelectionError || err instanceof TemplateStoreError || err instanceof ApiTokenError) {
    const details = (err.details as unknown[]).map((d) => (typeof d === 'string' ? { message: d } : d));
    return new ApiError(STATUS_BY_CODE[err.code] ?? 422, err.code, err.message, details.length ? details : undefined);
  }
  // Alarm codes keep the status the alarm service assigns them (invalid_rule 422, rule_exists 409, *_not_found 404,
  // invalid_transition 409 — e.g. acknowledging an acknowledged alarm — and invalid_request 400).
  if (err instanceof AlarmError) return new ApiError(ALARM_ERROR_STATUS[err.code] ?? 422, err.code, err.message, err.details.length ? err.details : undefined);
  // Reports, users and per-user settings: status by code as above (last_admin 409: the request is valid, the state refuses it).
  if (err instanceof ReportError || err instanceof UserSettingsError) return new ApiError(STATUS_BY_CODE[err.code] ?? 422, err.code, err.message, err.details.length ? err.details : undefined);
  if (err instanceof UserError) return new ApiError(STATUS_BY_CODE[err.code] ?? 422, err.code, err.message);
  if (err instanceof CsvImportError) return new ApiError(422, 'invalid_csv', err.message, err.details.length ? err.details : undefined);
  if (err instanceof HistorianQueryError) return new ApiError(422, 'invalid_query', err.message);
  return null;
}
