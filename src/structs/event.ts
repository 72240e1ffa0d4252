// User events as Consul serves them (api.UserEvent): what /v1/event/fire answers and
// /v1/event/list lists, shared by the agent that keeps them and the client that reads them.

/** One event, fields in Consul's JSON order; Payload is base64 (null when empty). */
export interface UserEvent {
  readonly ID: string;
  readonly Name: string;
  readonly Payload: string | null;
  readonly NodeFilter: string;
  readonly ServiceFilter: string;
  readonly TagFilter: string;
  readonly Version: number;
  /** The event's Lamport time: its position among the events the agent has seen (0 in a fire answer). */
  readonly LTime: number;
}
