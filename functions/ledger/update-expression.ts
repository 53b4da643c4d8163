type Part = string | false | undefined;

/**
 * An UpdateExpression from its clauses, each a list of actions of which some may be left out
 * (`false` or `undefined`): `SET a = :a, b = :b ADD c :one REMOVE d`. Empty clauses vanish.
 */
export function updateExpression(clauses: {
  readonly set?: readonly Part[];
  readonly add?: readonly Part[];
  readonly remove?: readonly Part[];
}): string {
  return (['set', 'add', 'remove'] as const)
    .map((clause) => {
      const actions = (clauses[clause] ?? []).filter((action): action is string => Boolean(action));
      return actions.length > 0 ? `${clause.toUpperCase()} ${actions.join(', ')}` : '';
    })
    .filter(Boolean)
    .join(' ');
}
