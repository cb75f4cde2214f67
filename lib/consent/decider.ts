// Who may decide on a request: only the resource owner, the user the request is bound to
// (checklist 22). The consent page, its form handler and the decision itself ask this one
// question and answer a refusal with the same 403 words.
export const NOT_THE_DECIDER = "This request belongs to another account.";

export function mayDecide(request: { userId: string | null }, userId: string): boolean {
  return request.userId !== null && request.userId === userId;
}
