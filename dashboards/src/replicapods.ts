// Balancer series name replicas by the address the balancer dials; mictract_balancer_replica_info maps
// an address to the pod its sidecar named. Alerts and panels join the pod in as a `pod` label where it
// is known, and keep a replica whose sidecar never answered as it is (a plain join would drop it).

/**
 * `expr` with label `pod` from the balancer's replica_info (selected by `selector`) where one matches
 * on the labels `on`; topk keeps one info series per match, so two balancers that disagree for a moment
 * cannot make the join many-to-many.
 */
export function withPod(expr: string, on: string, selector: string): string {
  const info = `topk by (${on}) (1, mictract_balancer_replica_info{${selector}})`;
  return `(${expr}) * on (${on}) group_left (pod) ${info} or ((${expr}) unless on (${on}) ${info})`;
}
