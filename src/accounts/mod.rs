//! Staff accounts: the people who sign in to the pages under `/ui` with a
//! name and a password (API keys stay for the PBX and scripts). What makes
//! a good name and password, how passwords are hashed (argon2id, PHC
//! strings), and the random tokens of sessions and their CSRF tokens.
//! Storing them is `store::users`; the session cookie is `http::ui`.

pub mod manage;

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::{FieldError, Role};

/// The shortest password accepted: length is what makes a password hard
/// to guess (NCSC and NIST advice), so there are no composition rules.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: argon2 hashes any length, but a megabyte "password" would
/// only be a way to spend the server's time.
pub const MAX_PASSWORD_CHARS: usize = 256;
/// The longest user name; names appear in the audit log and on pages.
pub const MAX_NAME_CHARS: usize = 64;

/// A user name as given, trimmed: not empty, not too long, no control
/// characters (it is printed in logs and pages).
pub fn user_name(given: &str) -> Result<String, FieldError> {
    let name = given.trim();
    if name.is_empty() {
        return Err(FieldError::new("name", "enter a user name"));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::new(
            "name",
            format!("a user name is at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "a user name may not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

/// The roles a person may hold; `pbx` is for the PBX's key only.
pub fn staff_role(role: Role) -> Result<Role, FieldError> {
    match role {
        Role::Pbx => Err(FieldError::new(
            "role",
            "a staff account is advisor, supervisor or admin (pbx is for API keys)",
        )),
        other => Ok(other),
    }
}

/// A new password's length, counted in characters, not bytes.
pub fn check_password(password: &str) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("a password is at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(FieldError::new(
            "password",
            format!("a password is at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

/// The password's argon2id hash as a PHC string (algorithm, parameters,
/// salt and hash in one), with the crate's default parameters (OWASP's
/// recommended minimum: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any password")
        .to_string()
}

/// Whether `password` matches the PHC string `hash`. A hash that does not
/// parse matches nothing.
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time of a real check when the name is unknown, so how long a
/// sign-in takes does not tell which names exist.
pub fn verify_nobody(password: &str) {
    static HASH: OnceLock<String> = OnceLock::new();
    let hash = HASH.get_or_init(|| hash_password("no one has this password"));
    let _ = verify_password(hash, password);
}

/// A new random token (a session's, a CSRF token): 32 bytes from the OS
/// generator, URL-safe text.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a session token: its SHA-256 (the token is long and
/// random, so one hash suffices, as for API keys).
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a presented token equals the expected one, in time that does
/// not depend on where they differ.
pub fn tokens_match(presented: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(presented.as_bytes().ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("correct horse battery");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse batterY"));
        assert!(!verify_password(
            "not a phc string",
            "correct horse battery"
        ));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(
            hash_password("twelve chars!"),
            hash_password("twelve chars!")
        );
    }

    #[test]
    fn passwords_are_counted_in_characters() {
        assert!(check_password("elevenchars").is_err());
        assert!(check_password("twelve chars").is_ok());
        // Twelve characters, more than twelve bytes.
        assert!(check_password("ééééééééééé").is_err());
        assert!(check_password("éééééééééééé").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn user_names_are_trimmed_and_checked() {
        assert_eq!(user_name("  sam ").unwrap(), "sam");
        assert_eq!(user_name(" ").unwrap_err().field, "name");
        assert!(user_name("sam\nadmin").is_err());
        assert!(user_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn the_pbx_role_is_not_for_people() {
        assert!(staff_role(Role::Pbx).is_err());
        assert_eq!(staff_role(Role::Advisor).unwrap(), Role::Advisor);
    }

    #[test]
    fn tokens_match_only_when_equal_and_not_empty() {
        let token = new_token();
        assert!(tokens_match(&token, &token));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match(&token[1..], &token));
        assert!(!tokens_match(&new_token(), &token));
    }
}
