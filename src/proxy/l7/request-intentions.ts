// L7 intentions on the public listener: per HTTP request, the intentions naming this service
// (followed from /v1/connect/intentions/match, in precedence order) are walked for the caller's
// service: an L4 intention decides by its Action; an L7 one by its first matching permission, and
// when none matches the walk goes on to lower-precedence intentions; nothing decides → the default
// (the agent's ACL default policy, X-Consul-Default-ACL-Policy). Pure.

import { type HttpRequestFacts, permissionDecision } from '../../connect/intention-permissions.js';
import { type Intention, intentionWildcard } from '../../connect/intentions.js';

export interface IntentionsView {
  readonly intentions: readonly Intention[];
  readonly defaultAllow: boolean;
}

export function requestAllowed(view: IntentionsView, source: string, destination: string, facts: HttpRequestFacts): boolean {
  for (const intention of view.intentions) {
    const sourceMatches = intention.SourceName === source || intention.SourceName === intentionWildcard;
    const destinationMatches = intention.DestinationName === destination || intention.DestinationName === intentionWildcard;
    if (!sourceMatches || !destinationMatches) continue;
    if (intention.Permissions.length === 0) return intention.Action === 'allow';
    const action = permissionDecision(intention.Permissions, facts);
    if (action !== undefined) return action === 'allow';
  }
  return view.defaultAllow;
}
