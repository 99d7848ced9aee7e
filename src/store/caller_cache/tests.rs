//! The cache answers exactly what a fresh read would, whatever changed in
//! between and whichever connection changed it.

use proptest::prelude::*;
use rusqlite::{params, Connection};

use super::*;
use crate::domain::{RecordId, Region};

/// Two connections to one database file: `screening` holds the cache,
/// `supervisor` makes the changes, as another connection or process would.
struct Fixture {
    _dir: tempfile::TempDir,
    screening: Connection,
    supervisor: Connection,
    cache: CallerCache,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut screening = crate::store::open_connection(&path).unwrap();
        crate::store::migrate(&mut screening).unwrap();
        let supervisor = crate::store::open_connection(&path).unwrap();
        for id in 1..=2 {
            supervisor
                .execute(
                    "INSERT INTO people (id, name, created_at, updated_at) VALUES (?1, 'P', 'x', 'x')",
                    [id],
                )
                .unwrap();
        }
        supervisor
            .execute_batch(
                "INSERT INTO advisors (id, name, target, created_at, updated_at)
                 VALUES (1, 'Alex', '2001', 'x', 'x'), (2, 'Jo', NULL, 'x', 'x');",
            )
            .unwrap();
        Fixture {
            _dir: dir,
            screening,
            supervisor,
            cache: CallerCache::default(),
        }
    }

    /// What screening sees through the cache, in one read transaction as
    /// on the writer, next to what a fresh read sees.
    fn both(&mut self, number: &PhoneNumber) -> (Seen, Seen) {
        let tx = self.screening.transaction().unwrap();
        self.cache.refresh(&tx).unwrap();
        let cached = Seen {
            caller: self
                .cache
                .caller(&tx, number)
                .unwrap()
                .map(|c| (*c).clone()),
            rules: sorted(self.cache.rules_for(number)),
        };
        let fresh = Seen {
            caller: load_caller(&tx, number).unwrap(),
            rules: sorted(
                rules::list_rules(&tx)
                    .unwrap()
                    .into_iter()
                    .filter(|r| number.prefixes().any(|p| p == r.number.as_str()))
                    .collect(),
            ),
        };
        tx.commit().unwrap();
        (cached, fresh)
    }

    fn change(&self, sql: &str, values: impl rusqlite::Params) {
        self.supervisor.execute(sql, values).unwrap();
    }
}

#[derive(Debug, PartialEq)]
struct Seen {
    caller: Option<CallerRecord>,
    rules: Vec<i64>,
}

fn sorted(rules: Vec<NumberRule>) -> Vec<i64> {
    let mut ids: Vec<i64> = rules.into_iter().map(|r| r.id.get()).collect();
    ids.sort_unstable();
    ids
}

const NUMBERS: [&str; 3] = ["+447700900001", "+447700900002", "+442079460123"];

fn number(i: usize) -> PhoneNumber {
    PhoneNumber::parse(NUMBERS[i % NUMBERS.len()], Region::parse("GB").unwrap()).unwrap()
}

#[test]
fn a_number_nobody_has_is_remembered_until_someone_is_given_it() {
    let mut f = Fixture::new();
    let (cached, _) = f.both(&number(0));
    assert_eq!(cached.caller, None);
    f.change(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (1, 'phone', ?1, 'x')",
        [NUMBERS[0]],
    );
    let (cached, fresh) = f.both(&number(0));
    assert_eq!(cached.caller.as_ref().map(|c| c.person_id.get()), Some(1));
    assert_eq!(cached, fresh);
}

#[test]
fn an_ended_measure_is_gone_from_the_next_call() {
    let mut f = Fixture::new();
    f.change(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (1, 'phone', ?1, 'x')",
        [NUMBERS[0]],
    );
    f.change(MEASURE, [1]);
    let (cached, _) = f.both(&number(0));
    assert_eq!(cached.caller.unwrap().measures.len(), 1);
    f.change(
        "UPDATE measures SET ended_at = 'x', ended_by = 'sup', end_reason = 'r'",
        [],
    );
    let (cached, fresh) = f.both(&number(0));
    assert_eq!(cached.caller.as_ref().unwrap().measures.len(), 0);
    assert_eq!(cached, fresh);
}

#[test]
fn an_advisors_new_target_or_retirement_is_seen_by_the_next_call() {
    let mut f = Fixture::new();
    f.change(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (1, 'phone', ?1, 'x')",
        [NUMBERS[0]],
    );
    f.change(
        "INSERT INTO enquiries (person_id, topic, status, advisor, opened_at) VALUES (1, 'EHCP', 'open', 'Alex', 'x')",
        [],
    );
    let target = |f: &mut Fixture| {
        let (cached, fresh) = f.both(&number(0));
        assert_eq!(cached, fresh);
        let advisors = cached.caller.unwrap().advisors;
        assert_eq!(advisors.len(), 1);
        (
            advisors[0].target.clone().map(|t| t.to_string()),
            advisors[0].retired,
        )
    };
    assert_eq!(target(&mut f), (Some("2001".into()), false));
    f.change("UPDATE advisors SET target = '2009' WHERE id = 1", []);
    assert_eq!(target(&mut f), (Some("2009".into()), false));
    f.change("UPDATE advisors SET retired_at = 'x' WHERE id = 1", []);
    assert_eq!(target(&mut f), (Some("2009".into()), true));
}

#[test]
fn a_new_block_rule_applies_to_the_next_call() {
    let mut f = Fixture::new();
    assert!(f.both(&number(0)).0.rules.is_empty());
    f.change(RULE, params!["+4477009", "prefix", "block"]);
    let (cached, fresh) = f.both(&number(0));
    assert_eq!(cached.rules.len(), 1);
    assert_eq!(cached, fresh);
}

#[test]
fn what_screening_saw_in_a_rolled_back_transaction_is_not_kept() {
    let mut f = Fixture::new();
    f.change(
        "INSERT INTO identities (person_id, kind, value, created_at) VALUES (1, 'phone', ?1, 'x')",
        [NUMBERS[0]],
    );
    f.both(&number(0));
    // A change and a screening in one writer transaction whose commit
    // fails: the cache has seen a measure that never existed.
    {
        let tx = f.screening.transaction().unwrap();
        tx.execute(MEASURE, [1]).unwrap();
        f.cache.refresh(&tx).unwrap();
        let seen = f.cache.caller(&tx, &number(0)).unwrap().unwrap();
        assert_eq!(seen.measures.len(), 1);
        tx.rollback().unwrap();
    }
    // Then one real change, as a counter would count it to the same value.
    f.change(
        "INSERT INTO enquiries (person_id, topic, status, opened_at) VALUES (1, 'EHCP', 'open', 'x')",
        [],
    );
    let (cached, fresh) = f.both(&number(0));
    assert_eq!(cached, fresh);
    assert!(cached.caller.unwrap().measures.is_empty());
}

const MEASURE: &str = "INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on, review_on, set_by, created_at, updated_at)
     VALUES (?1, 'open_enquiries_only', '{}', 'agreed', '2026-01-01', '2026-01-01', '2026-06-01', 'sup', 'x', 'x')";
const RULE: &str = "INSERT OR IGNORE INTO number_rules (number, match_kind, action, reason, created_by, created_at)
     VALUES (?1, ?2, ?3, 'r', 'sup', 'x')";

/// One change a supervisor (or another process) could make.
#[derive(Debug, Clone)]
enum Change {
    GiveNumber {
        number: usize,
        person: i64,
    },
    TakeNumber {
        number: usize,
    },
    AddMeasure {
        person: i64,
    },
    EndMeasures {
        person: i64,
    },
    OpenEnquiry {
        person: i64,
        advisor: Option<i64>,
    },
    CloseEnquiries {
        person: i64,
    },
    AddRule {
        number: usize,
        digits: usize,
        allow: bool,
    },
    DeleteRules {
        number: usize,
    },
    ErasePerson {
        person: i64,
    },
    AssignEnquiries {
        person: i64,
        advisor: i64,
    },
    AgreeAdvisor {
        person: i64,
        advisor: i64,
    },
    Retarget {
        advisor: i64,
        target: Option<&'static str>,
    },
    Retire {
        advisor: i64,
        retired: bool,
    },
    Rename {
        advisor: i64,
        name: &'static str,
    },
}

fn change() -> impl Strategy<Value = Change> {
    let number = 0..NUMBERS.len();
    let person = 1..=2i64;
    prop_oneof![
        (number.clone(), person.clone())
            .prop_map(|(number, person)| Change::GiveNumber { number, person }),
        number
            .clone()
            .prop_map(|number| Change::TakeNumber { number }),
        person
            .clone()
            .prop_map(|person| Change::AddMeasure { person }),
        person
            .clone()
            .prop_map(|person| Change::EndMeasures { person }),
        (person.clone(), prop::option::of(1..=2i64))
            .prop_map(|(person, advisor)| Change::OpenEnquiry { person, advisor }),
        person
            .clone()
            .prop_map(|person| Change::CloseEnquiries { person }),
        (number.clone(), 1..=12usize, any::<bool>()).prop_map(|(number, digits, allow)| {
            Change::AddRule {
                number,
                digits,
                allow,
            }
        }),
        number.prop_map(|number| Change::DeleteRules { number }),
        person
            .clone()
            .prop_map(|person| Change::ErasePerson { person }),
        (person.clone(), 1..=2i64)
            .prop_map(|(person, advisor)| Change::AssignEnquiries { person, advisor }),
        (person, 1..=2i64).prop_map(|(person, advisor)| Change::AgreeAdvisor { person, advisor }),
        (
            1..=2i64,
            prop::option::of(prop::sample::select(vec!["2001", "2002"]))
        )
            .prop_map(|(advisor, target)| Change::Retarget { advisor, target }),
        (1..=2i64, any::<bool>())
            .prop_map(|(advisor, retired)| Change::Retire { advisor, retired }),
        (
            1..=2i64,
            prop::sample::select(vec!["Alex", "Jo", "Sam", "Kim"])
        )
            .prop_map(|(advisor, name)| Change::Rename { advisor, name }),
    ]
}

impl Fixture {
    fn apply(&self, change: &Change) {
        match *change {
            Change::GiveNumber { number, person } => self.change(
                "INSERT OR IGNORE INTO identities (person_id, kind, value, created_at)
                 SELECT ?2, 'phone', ?1, 'x' WHERE EXISTS (SELECT 1 FROM people WHERE id = ?2)",
                params![NUMBERS[number], person],
            ),
            Change::TakeNumber { number } => {
                self.change("DELETE FROM identities WHERE value = ?1", [NUMBERS[number]])
            }
            Change::AddMeasure { person } => self.change(
                &format!("{MEASURE} ON CONFLICT DO NOTHING")
                    .replace("VALUES (?1,", "SELECT ?1,")
                    .replace(
                        "'x')",
                        "'x' WHERE EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                    ),
                [person],
            ),
            Change::EndMeasures { person } => self.change(
                "UPDATE measures SET ended_at = 'x', ended_by = 's', end_reason = 'r'
                 WHERE person_id = ?1 AND ended_at IS NULL",
                [person],
            ),
            Change::OpenEnquiry { person, advisor } => self.change(
                "INSERT INTO enquiries (person_id, topic, status, advisor, opened_at)
                 SELECT ?1, 'EHCP', 'open', (SELECT name FROM advisors WHERE id = ?2), 'x'
                 WHERE EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                params![person, advisor],
            ),
            Change::CloseEnquiries { person } => self.change(
                "UPDATE enquiries SET status = 'closed', closed_at = 'x' WHERE person_id = ?1",
                [person],
            ),
            Change::AddRule {
                number,
                digits,
                allow,
            } => {
                let prefix = &NUMBERS[number][..digits + 1];
                let kind = if digits + 1 == NUMBERS[number].len() {
                    "exact"
                } else {
                    "prefix"
                };
                let action = if allow { "allow" } else { "block" };
                self.change(RULE, params![prefix, kind, action]);
            }
            Change::DeleteRules { number } => self.change(
                "DELETE FROM number_rules WHERE ?1 LIKE number || '%'",
                [NUMBERS[number]],
            ),
            Change::ErasePerson { person } => {
                self.change("DELETE FROM people WHERE id = ?1", [person])
            }
            Change::AssignEnquiries { person, advisor } => self.change(
                "UPDATE enquiries SET advisor = (SELECT name FROM advisors WHERE id = ?2)
                 WHERE person_id = ?1",
                [person, advisor],
            ),
            Change::AgreeAdvisor { person, advisor } => self.change(
                "INSERT INTO measures (person_id, kind, params, reason, notified_on, starts_on,
                                       review_on, set_by, created_at, updated_at)
                 SELECT ?1, 'single_point_of_contact', json_object('advisor', name), 'agreed',
                        '2026-01-01', '2026-01-01', '2026-06-01', 'sup', 'x', 'x'
                 FROM advisors WHERE id = ?2 AND EXISTS (SELECT 1 FROM people WHERE id = ?1)",
                [person, advisor],
            ),
            Change::Retarget { advisor, target } => self.change(
                "UPDATE advisors SET target = ?2 WHERE id = ?1",
                params![advisor, target],
            ),
            Change::Retire { advisor, retired } => self.change(
                "UPDATE advisors SET retired_at = CASE WHEN ?2 THEN 'x' END WHERE id = ?1",
                params![advisor, retired],
            ),
            Change::Rename { advisor, name } => self.change(
                "UPDATE OR IGNORE advisors SET name = ?2 WHERE id = ?1",
                params![advisor, name],
            ),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever changes between calls, each call through the cache sees
    /// what a fresh read in the same transaction sees.
    #[test]
    fn the_cache_always_answers_what_a_fresh_read_would(
        steps in prop::collection::vec((change(), 0..NUMBERS.len()), 1..40)
    ) {
        let mut f = Fixture::new();
        for (change, called) in &steps {
            f.apply(change);
            let (cached, fresh) = f.both(&number(*called));
            prop_assert_eq!(cached, fresh, "after {:?}", change);
        }
    }
}
