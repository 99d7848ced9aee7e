//! Criterion benchmark of the pure decision: a known caller with several
//! measures in force, a month of history and a few matching number rules.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use fairline::decision::{decide, Action, Call, PastContact, Person, Policy, Situation};
use fairline::domain::{
    CallerId, Channel, ChannelScope, Enquiry, EnquiryId, EnquiryStatus, MatchKind, Measure,
    MeasureId, MeasureKind, MeasureTerms, NumberPattern, NumberRule, NumberRuleId, PbxName, Period,
    PersonId, PhoneNumber, RecordId, Region, RuleAction, Window,
};

fn policy() -> Policy {
    Policy {
        timezone: chrono_tz::Europe::London,
        default_target: "helpline".into(),
        divert_target: "voicemail".into(),
        withheld: Action::Route,
        withheld_prompt: "fairline-withheld".into(),
        block_prompt: "fairline-blocked".into(),
        review_grace_days: 28,
    }
}

fn measure(id: i64, kind: MeasureKind) -> Measure {
    let start = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    Measure {
        id: MeasureId::from_raw(id),
        person_id: PersonId::from_raw(1),
        kind,
        terms: MeasureTerms {
            reason: "agreed".into(),
            notified_on: Some(start),
            starts_on: start,
            review_on: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
            ends_on: None,
            on_breach: None,
        },
        set_by: "sam".into(),
        ended: None,
    }
}

fn bench_decide(c: &mut Criterion) {
    let gb = Region::parse("GB").unwrap();
    let caller = CallerId::Number(PhoneNumber::parse("07700 900123", gb).unwrap());
    let now: DateTime<Utc> = "2026-11-24T10:30:00Z".parse().unwrap();
    let measures = vec![
        measure(
            1,
            MeasureKind::FrequencyLimit {
                max_contacts: 60,
                per: Period::Month,
                channels: ChannelScope::All,
            },
        ),
        measure(
            2,
            MeasureKind::FrequencyLimit {
                max_contacts: 5,
                per: Period::Day,
                channels: ChannelScope::Phone,
            },
        ),
        measure(
            3,
            MeasureKind::ContactWindows {
                windows: vec![Window {
                    days: vec![Weekday::Mon, Weekday::Tue, Weekday::Thu],
                    from: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                    to: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
                }],
            },
        ),
        measure(4, MeasureKind::OpenEnquiriesOnly),
        measure(
            5,
            MeasureKind::SinglePointOfContact {
                advisor: None,
                target: Some(PbxName::parse("2001").unwrap()),
            },
        ),
    ];
    let enquiries = vec![Enquiry {
        id: EnquiryId::from_raw(1),
        person_id: PersonId::from_raw(1),
        reference: Some("ENQ-1".into()),
        topic: "EHCP".into(),
        status: EnquiryStatus::Open,
        advisor: Some("alex".into()),
    }];
    let history: Vec<PastContact> = (0..50)
        .map(|i| PastContact {
            at: now - Duration::hours(i * 12),
            channel: Channel::Phone,
            counted: i % 3 != 0,
        })
        .collect();
    let rules: Vec<NumberRule> = ["07", "07700", "07700 9"]
        .iter()
        .enumerate()
        .map(|(i, p)| NumberRule {
            id: NumberRuleId::from_raw(i as i64),
            number: NumberPattern::parse_broad(p, gb).unwrap(),
            match_kind: MatchKind::Prefix,
            action: RuleAction::Block,
            reason: "nuisance range".into(),
            expires_at: Some(now - Duration::days(1)),
        })
        .collect();
    let policy = policy();
    let situation = Situation {
        call: Call {
            caller: &caller,
            urgent: false,
            enquiry: Some("ENQ-1"),
            flooding: false,
        },
        rules: &rules,
        person: Some(Person {
            measures: &measures,
            enquiries: &enquiries,
            history: &history,
            advisors: &[],
        }),
        now,
    };
    assert_eq!(decide(&situation, &policy).action, Action::Route);
    c.bench_function(
        "decide/known caller, 5 measures, 50 contacts, 3 rules",
        |b| b.iter(|| decide(black_box(&situation), black_box(&policy))),
    );
    let unknown = Situation {
        person: None,
        rules: &[],
        ..situation.clone()
    };
    c.bench_function("decide/unknown caller", |b| {
        b.iter(|| decide(black_box(&unknown), black_box(&policy)))
    });
}

criterion_group!(benches, bench_decide);
criterion_main!(benches);
