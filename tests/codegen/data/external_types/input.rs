//! Types from other crates that schemars knows: `uuid::Uuid` and chrono's dates and times are
//! strings in a documented format.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde_json::json;
use uuid::Uuid;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Booking {
    pub id: Uuid,
    pub created: DateTime<Utc>,
    pub local: DateTime<FixedOffset>,
    pub day: NaiveDate,
    pub wall_clock: NaiveDateTime,
    pub guests: Vec<Uuid>,
    pub cancelled: Option<DateTime<Utc>>,
}

#[channel_func(auth = false)]
pub async fn book(input: Booking) -> Booking {
    input
}

#[channel_func(auth = false)]
pub async fn find(input: Uuid) -> Option<DateTime<Utc>> {
    let _ = input;
    None
}

wire_channel! {
    name: "external_types",
    route: "/external-types",
    auth: false,
    on_message_wiring: { action: { book: book, find: find } },
}

bootstrap! { external_types }

pub fn samples() -> Vec<Sample> {
    let spec = "ExternalTypesChannel";
    let created = DateTime::parse_from_rfc3339("2024-05-01T12:30:00Z").unwrap().with_timezone(&Utc);
    let booking = Booking {
        id: Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8),
        created,
        local: DateTime::parse_from_rfc3339("2024-05-01T14:30:00+02:00").unwrap(),
        day: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        wall_clock: NaiveDate::from_ymd_opt(2024, 5, 1).unwrap().and_hms_opt(12, 30, 0).unwrap(),
        guests: vec![Uuid::nil()],
        cancelled: Some(created),
    };
    let mut bad_id = serde_json::to_value(&booking).unwrap();
    bad_id["id"] = json!(5);
    vec![
        Sample::sent(output(spec, "book"), &booking),
        Sample::accepted::<Booking>(input(spec, "book"), serde_json::to_value(&booking).unwrap()),
        Sample::refused::<Booking>(input(spec, "book"), bad_id, "a UUID is a string"),
        Sample::accepted::<Uuid>(input(spec, "find"), json!("67e55044-10b1-426f-9247-bb680e5fe0c8")),
        Sample::sent(output(spec, "find"), &Some(created)),
        Sample::sent(output(spec, "find"), &None::<DateTime<Utc>>),
        Sample::refused::<Uuid>(input(spec, "find"), json!(1), "a UUID is a string"),
    ]
}
