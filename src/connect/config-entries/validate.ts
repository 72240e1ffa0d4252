// One entry point for validating a config entry of any kind before it is proposed: common rules
// (a name), then the kind's own Normalize + Validate. Returns the normalised entry.

import { unreachable } from '../../lib/assert.js';
import type { ConfigEntryBody } from '../../structs/config-entry.js';
import { invalid } from './fields.js';
import { validateMesh, validateProxyDefaults, validateServiceDefaults } from './validate-defaults.js';
import { validateServiceIntentions } from './validate-intentions.js';
import { validateServiceResolver } from './validate-resolver.js';
import { validateServiceRouter, validateServiceSplitter } from './validate-router.js';

export function validateConfigEntry(entry: ConfigEntryBody): ConfigEntryBody {
  if (entry.Name === '') throw invalid('Name is required');
  const kind = entry.Kind;
  switch (kind) {
    case 'service-defaults':
      return validateServiceDefaults(entry);
    case 'proxy-defaults':
      return validateProxyDefaults(entry);
    case 'mesh':
      return validateMesh(entry);
    case 'service-router':
      return validateServiceRouter(entry);
    case 'service-splitter':
      return validateServiceSplitter(entry);
    case 'service-resolver':
      return validateServiceResolver(entry);
    case 'service-intentions':
      return validateServiceIntentions(entry);
    default:
      return unreachable(kind);
  }
}
