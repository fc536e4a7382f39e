// What an administrator sets on the configuration page (plugin jsonData).

export interface MictractSettings {
  /** The exporter's ledger API base URL, e.g. http://exporter:9464/api/v1 (reached through the data proxy route). */
  apiUrl?: string;
  /** The Prometheus data source (uid) that scrapes the exporter and the sidecars. */
  prometheusUid?: string;
  /** The traces data source (Tempo or Jaeger, uid) that receives the exporter's and sidecars' spans. */
  tracesUid?: string;
}
