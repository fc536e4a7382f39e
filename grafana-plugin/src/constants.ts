import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;

/** How often live pages (overview, pods) refresh. */
export const REFRESH_MS = 5000;

/** The chaincode dashboard shipped in dashboards/ (uid mictract-chaincode). */
export const CHAINCODE_DASHBOARD_UID = 'mictract-chaincode';
