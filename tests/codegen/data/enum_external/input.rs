//! Externally tagged enums (serde's default): a unit variant is its name, the others are
//! `{ "Variant": content }`.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

/// A shape.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Shape {
    /// Nothing at all.
    Empty,
    /// A circle by its radius.
    Circle(f64),
    Point(i32, i32),
    Rect {
        w: u32,
        h: u32,
    },
    #[serde(rename = "tri")]
    Triangle {
        base: u32,
    },
}

#[channel_func(auth = false)]
pub async fn draw(input: Shape) -> Shape {
    input
}

wire_channel! {
    name: "enum_external",
    route: "/external",
    auth: false,
    on_message_wiring: { action: { draw: draw } },
}

bootstrap! { enum_external }

pub fn samples() -> Vec<Sample> {
    let (i, o) = (input("EnumExternalChannel", "draw"), output("EnumExternalChannel", "draw"));
    let mut samples: Vec<Sample> = [
        Shape::Empty,
        Shape::Circle(1.5),
        Shape::Point(-1, 2),
        Shape::Rect { w: 1, h: 2 },
        Shape::Triangle { base: 3 },
    ]
    .iter()
    .map(|s| Sample::sent(o.clone(), s))
    .collect();
    samples.extend([
        Sample::accepted::<Shape>(i.clone(), json!({"Rect": {"w": 1, "h": 2}})),
        Sample::refused::<Shape>(i.clone(), json!("Circle"), "`Circle` has content"),
        Sample::refused::<Shape>(i.clone(), json!({"Circle": "big"}), "the radius is a number"),
        Sample::refused::<Shape>(i.clone(), json!({"Rect": {"w": 1}}), "`h` is missing"),
        Sample::refused::<Shape>(i.clone(), json!({"Triangle": {"base": 1}}), "the variant is renamed `tri`"),
        Sample::refused::<Shape>(i, json!({"Point": [1]}), "a point has two coordinates"),
    ]);
    samples
}
