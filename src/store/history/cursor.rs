//! The opaque `next_cursor` of a listing: where the last page ended, the
//! listing's high-water mark, and a digest of its filters, so a cursor
//! continues only the listing it came from.
//!
//! Not a secret: anyone who decodes one learns a time and two ids they
//! were shown anyway, and a forged cursor only narrows a query its holder
//! may run in full (every value in it is bound as a number). The check
//! bytes catch a cursor that was cut short or edited by accident, and the
//! filter digest one pasted onto other filters, so neither silently lists
//! the wrong rows.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Filter, Position};
use crate::domain::{ContactId, RecordId};

/// A listing's place: the page after `position`, ids up to `high_water`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub position: Position,
    pub high_water: i64,
}

const VERSION: u8 = 1;
/// Version, at, id, high-water mark, filter digest, check.
const LEN: usize = 1 + 8 + 8 + 8 + 8 + 4;

impl Cursor {
    pub fn encode(&self, filter: &Filter) -> String {
        let mut bytes = Vec::with_capacity(LEN);
        bytes.push(VERSION);
        bytes.extend(self.position.at_ms.to_be_bytes());
        bytes.extend(self.position.id.get().to_be_bytes());
        bytes.extend(self.high_water.to_be_bytes());
        bytes.extend(digest(filter));
        let check = check(&bytes);
        bytes.extend(check);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a cursor made by [`Cursor::encode`] for the same filters.
    pub fn decode(text: &str, filter: &Filter) -> Result<Cursor, &'static str> {
        const ALTERED: &str = "is not a cursor this listing gave (it was cut short or altered)";
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| ALTERED)?;
        if bytes.len() != LEN || bytes[0] != VERSION {
            return Err(ALTERED);
        }
        let (body, checked) = bytes.split_at(LEN - 4);
        if check(body) != checked {
            return Err(ALTERED);
        }
        if body[25..33] != digest(filter) {
            return Err("was given for other filters; start again without a cursor");
        }
        let number =
            |at: usize| i64::from_be_bytes(body[at..at + 8].try_into().unwrap_or_default());
        let (at_ms, id, high_water) = (number(1), number(9), number(17));
        if id < 1 || high_water < id {
            return Err(ALTERED);
        }
        Ok(Cursor {
            position: Position {
                at_ms,
                id: ContactId::from_raw(id),
            },
            high_water,
        })
    }
}

fn check(bytes: &[u8]) -> [u8; 4] {
    let hash = Sha256::new()
        .chain_update(b"fairline history cursor")
        .chain_update(bytes)
        .finalize();
    [hash[0], hash[1], hash[2], hash[3]]
}

/// The filters, written out one way: equal filters give equal digests
/// however the request wrote them (a number in any form, an enquiry by
/// reference or id).
fn digest(filter: &Filter) -> [u8; 8] {
    let Filter {
        person,
        phone,
        email,
        enquiry,
        channel,
        action,
        advisor,
        from_ms,
        before_ms,
    } = filter;
    let canonical = format!(
        "person={:?}\nphone={:?}\nemail={:?}\nenquiry={:?}\nchannel={:?}\naction={:?}\n\
         advisor={:?}\nfrom={from_ms:?}\nbefore={before_ms:?}",
        person.map(|p| p.get()),
        phone.as_ref().map(|p| p.as_str()),
        email.as_ref().map(|e| e.as_str()),
        enquiry.map(|e| e.get()),
        channel.map(|c| c.as_str()),
        action.map(|a| a.as_str()),
        advisor,
    );
    let hash = Sha256::digest(canonical.as_bytes());
    let mut out = [0; 8];
    out.copy_from_slice(&hash[..8]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Channel;

    fn cursor() -> Cursor {
        Cursor {
            position: Position {
                at_ms: 1_764_000_000_123,
                id: ContactId::from_raw(42),
            },
            high_water: 99,
        }
    }

    #[test]
    fn a_cursor_reads_back_for_the_filters_it_was_made_for() {
        let filter = Filter {
            channel: Some(Channel::Email),
            ..Filter::default()
        };
        let text = cursor().encode(&filter);
        assert!(text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(Cursor::decode(&text, &filter), Ok(cursor()));
    }

    #[test]
    fn a_cursor_for_other_filters_is_refused() {
        let text = cursor().encode(&Filter::default());
        let other = Filter {
            advisor: Some("Sam".into()),
            ..Filter::default()
        };
        let refused = Cursor::decode(&text, &other).unwrap_err();
        assert!(refused.contains("other filters"), "{refused}");
    }

    #[test]
    fn every_single_character_change_is_refused() {
        let filter = Filter::default();
        let text = cursor().encode(&filter);
        for i in 0..text.len() {
            for replacement in ['A', 'z', '0', '_'] {
                let mut altered: Vec<char> = text.chars().collect();
                if altered[i] == replacement {
                    continue;
                }
                altered[i] = replacement;
                let altered: String = altered.into_iter().collect();
                assert!(
                    Cursor::decode(&altered, &filter).is_err(),
                    "{altered} was accepted"
                );
            }
        }
        assert!(Cursor::decode(&text[..text.len() - 1], &filter).is_err());
        assert!(Cursor::decode("", &filter).is_err());
        assert!(Cursor::decode("not a cursor!", &filter).is_err());
    }
}
