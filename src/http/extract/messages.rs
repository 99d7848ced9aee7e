//! serde's error messages in the words of a JSON user: no Rust type names
//! (`struct OnBreach`, `u32`, `sequence`) reach an API client.

/// serde's messages in JSON's words: the Rust names (`struct OnBreach`,
/// `u32`, `sequence`) become what a JSON user writes (an object, a whole
/// number, a list): "invalid type: integer `5`, expected struct OnBreach"
/// becomes "must be an object, not 5".
pub(super) fn plain(message: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((found, expected)) = message
            .strip_prefix(prefix)
            .and_then(|rest| rest.rsplit_once(", expected "))
        {
            return format!(
                "must be {}, not {}",
                expectation(expected),
                found_as_json(found)
            );
        }
    }
    if message.starts_with("invalid length ") {
        return "has the wrong number of items".into();
    }
    if message.starts_with("data did not match any variant of untagged enum") {
        return "is not a value this field accepts".into();
    }
    match message {
        // Integers read from a query string or a form.
        "invalid digit found in string" | "cannot parse integer from empty string" => {
            "must be a whole number".into()
        }
        "number too large to fit in target type" | "number too small to fit in target type" => {
            "is out of range".into()
        }
        "provided string was not `true` or `false`" => "must be true or false".into(),
        other if names_rust_type(other) => "is not a value this field accepts".into(),
        other => other.to_owned(),
    }
}

/// What serde's "expected …" says, in JSON's words.
fn expectation(expected: &str) -> String {
    let expected = expected.trim();
    let integer = |max: &str| format!("a whole number from 0 to {max}");
    match expected {
        "u8" => integer("255"),
        "u16" => integer("65535"),
        "u32" => integer("4294967295"),
        "u64" | "usize" => integer("18446744073709551615"),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a sequence" | "sequence" | "a tuple" => "a list".into(),
        "a map" | "map" => "an object".into(),
        "a borrowed string" | "a string" | "string" => "a string".into(),
        "a boolean" | "bool" => "true or false".into(),
        "unit" | "null" => "null".into(),
        "a character" | "char" => "a single character".into(),
        "a formatted date string" => "a date (YYYY-MM-DD)".into(),
        e if e.starts_with("struct ") || e.starts_with("tuple struct ") => "an object".into(),
        // `string or map` is serde_json's word for any enum.
        e if e.contains("enum ") || e == "variant identifier" || e == "string or map" => {
            "one of the names this field accepts".into()
        }
        e if names_rust_type(e) => "a value this field accepts".into(),
        e => e.to_owned(),
    }
}

/// What serde says it found, in JSON's words.
fn found_as_json(found: &str) -> String {
    let found = found.trim();
    let quoted = |prefix: &str| {
        found
            .strip_prefix(prefix)
            .map(|rest| rest.trim_matches('`').to_owned())
    };
    match found {
        "sequence" => "a list".into(),
        "map" => "an object".into(),
        "unit value" | "unit" => "null".into(),
        _ => quoted("integer ")
            .or_else(|| quoted("floating point "))
            .or_else(|| quoted("boolean "))
            .or_else(|| found.strip_prefix("string ").map(str::to_owned))
            .unwrap_or_else(|| {
                if names_rust_type(found) {
                    "that".into()
                } else {
                    found.to_owned()
                }
            }),
    }
}

/// Whether a message names a Rust type: `struct X`, `enum X`, a primitive
/// (`u32`, `i64`), or a CamelCase identifier such as `OnBreach`.
pub(super) fn names_rust_type(text: &str) -> bool {
    const PRIMITIVES: [&str; 16] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64", "Option", "Vec",
    ];
    text.contains("struct ")
        || text.contains("enum ")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .any(|word| {
                PRIMITIVES.contains(&word)
                    || (word.starts_with(|c: char| c.is_ascii_uppercase())
                        && word.chars().any(|c| c.is_ascii_lowercase())
                        && word.chars().skip(1).any(|c| c.is_ascii_uppercase()))
            })
}
