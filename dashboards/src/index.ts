// Mictract's dashboards and alert rules as code.
export { generatedFiles, ruleFiles, dashboards, writeFiles, GENERATED_DIR } from './generate';
export { ruleGroups, alertNames, isAlert, type RuleGroup, type AlertingRule, type RecordingRule } from './rules';
export { production, test, profiles, site, type Thresholds } from './thresholds';
export { metricNamesIn, familyOf, sourceOf, FABRIC_METRICS } from './metricnames';
