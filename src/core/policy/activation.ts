/**
 * The values a policy's expressions see. The caller builds them from a change, its analysis and its
 * access delta; every field is always present (`''`, `0`, `false` or `[]` where not applicable), so
 * expressions never meet a missing field. Counts are integers (CEL `int`). docs/policy.md lists
 * them with their CEL types; the field tables in cel-types.ts must follow these types.
 */

/** Who proposes the change. */
export interface ActorInfo {
  readonly kind: 'agent' | 'user';
  readonly name: string;
}

/** The system the change targets (a name from the configuration, and its connector kind). */
export interface SystemInfo {
  readonly name: string;
  readonly kind: string;
}

export type StatementEffect = 'read-only' | 'edits' | 'opaque';

export interface StatementInfo {
  /** 1-based position of the statement in the change, as `firebreak check` numbers them. */
  readonly index: number;
  readonly sql: string;
  readonly effect: StatementEffect;
  /** Kinds of the edits the statement makes, e.g. `add-grant`. */
  readonly edits: readonly string[];
  /** Why the statement is opaque; `''` otherwise. */
  readonly reason: string;
  /** Powers beyond privileges on data that logins newly have after it, in words. */
  readonly powers: readonly string[];
}

/** One edit of the change; `''` in fields that do not apply to its kind. */
export interface EditInfo {
  readonly kind: string;
  readonly principal: string;
  readonly resource: string;
  readonly privilege: string;
  readonly member: string;
  readonly group: string;
}

export interface ChangeInfo {
  readonly statements: readonly StatementInfo[];
  /** At least one statement could not be analysed. */
  readonly opaque: boolean;
  /** Every statement only reads. */
  readonly readOnly: boolean;
  /** Statements that edit or may edit (edits and opaque ones). */
  readonly mutations: number;
  /** Every statement's `powers`: what logins newly can do beyond privileges on data. */
  readonly powers: readonly string[];
  readonly edits: readonly EditInfo[];
}

/** How the readers of one labelled resource changed. */
export interface ResourceChangeInfo {
  readonly resource: string;
  readonly kind: string;
  readonly labels: readonly string[];
  /** The principals gaining (or, in `lost`, losing) access. */
  readonly principals: readonly string[];
  readonly count: number;
  /** How many of them reach full, row-filtered, or column-limited access. */
  readonly full: number;
  readonly filtered: number;
  readonly columns: number;
  /** The resource is new, or newly labelled. */
  readonly created: boolean;
}

/** Principals that can newly run a routine which reads a labelled resource with its owner's rights. */
export interface PotentialChangeInfo {
  readonly resource: string;
  readonly labels: readonly string[];
  readonly routine: string;
  readonly principals: readonly string[];
  readonly count: number;
}

/** Principals a default privilege newly gives access to resources created later. */
export interface LatentChangeInfo {
  readonly creator: string;
  /** The schema the default privilege applies in; `''` for every schema. */
  readonly container: string;
  readonly grantee: string;
  readonly privilege: string;
  readonly principals: readonly string[];
  readonly count: number;
  /** Labelled resources already in the container: the kind of data future ones will hold. */
  readonly labelledInContainer: number;
}

export interface DeltaInfo {
  readonly gained: readonly ResourceChangeInfo[];
  readonly lost: readonly ResourceChangeInfo[];
  readonly potentialGained: readonly PotentialChangeInfo[];
  readonly latentGained: readonly LatentChangeInfo[];
  /** Distinct principals gaining access to at least one labelled resource. */
  readonly principalsGaining: number;
  readonly principalsLosing: number;
  /** Labelled resources with at least one reader gained. */
  readonly resourcesGaining: number;
  /** Labelled resources whose readers changed in any way. */
  readonly resourcesAffected: number;
  /** Labels of the resources in `gained`, each once. */
  readonly labelsGained: readonly string[];
}

/** Everything a rule's `when` and `message` can use. */
export interface PolicyActivation {
  readonly actor: ActorInfo;
  readonly system: SystemInfo;
  readonly change: ChangeInfo;
  readonly delta: DeltaInfo;
}

/** A resource an invariant may protect. */
export interface InvariantResource {
  readonly name: string;
  readonly kind: string;
  readonly labels: readonly string[];
}

/** A principal that can read a resource. */
export interface InvariantReader {
  readonly name: string;
  /** `full`, `filtered` or `columns`. */
  readonly access: string;
  /** Every group it inherits from or can SET ROLE to. */
  readonly groups: readonly string[];
  readonly superuser: boolean;
}

/** One reader of one resource: the unit invariants are checked on. */
export interface InvariantPair {
  readonly resource: InvariantResource;
  readonly reader: InvariantReader;
}

/** What invariants see besides the pair. */
export interface InvariantContext {
  readonly system: SystemInfo;
}
