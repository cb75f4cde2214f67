// Client secrets are bearer handles (../handles.ts): 256-bit random values stored as SHA-256
// (a slow hash protects guessable secrets; these are not guessable), compared in constant time.
export { newHandle as generateClientSecret, hashHandle as hashClientSecret, handleMatches as secretMatches } from "../handles";
