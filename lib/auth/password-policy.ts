// The password policy, free of server imports so client forms can show it.
export const PASSWORD_MIN_LENGTH = 10;
// Argon2 accepts any length, but an unbounded input is a cheap way to burn server CPU.
export const PASSWORD_MAX_LENGTH = 256;
