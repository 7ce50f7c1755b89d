//! Recursive types: a type that contains itself (as the root of a schema, `$ref: "#"`, and
//! nested, through `$defs`), and two types that contain each other.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Tree {
    pub value: i32,
    pub children: Vec<Tree>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Expr {
    Num(f64),
    Add(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Person {
    pub name: String,
    pub pets: Vec<Pet>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Pet {
    pub name: String,
    pub owner: Option<Box<Person>>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Program {
    pub expr: Expr,
    pub author: Person,
}

#[channel_func(auth = false)]
pub async fn grow(input: Tree) -> Tree {
    input
}

#[channel_func(auth = false)]
pub async fn run(input: Program) -> Program {
    input
}

wire_channel! {
    name: "recursive",
    route: "/recursive",
    auth: false,
    on_message_wiring: { action: { grow: grow, run: run } },
}

bootstrap! { recursive }

pub fn samples() -> Vec<Sample> {
    let spec = "RecursiveChannel";
    let tree =
        Tree { value: 1, children: vec![Tree { value: 2, children: vec![Tree { value: 3, children: vec![] }] }] };
    let program = Program {
        expr: Expr::Add(Box::new(Expr::Num(1.0)), Box::new(Expr::Neg(Box::new(Expr::Num(2.0))))),
        author: Person {
            name: "p".into(),
            pets: vec![Pet { name: "d".into(), owner: Some(Box::new(Person { name: "q".into(), pets: vec![] })) }],
        },
    };
    vec![
        Sample::sent(output(spec, "grow"), &tree),
        Sample::refused::<Tree>(
            input(spec, "grow"),
            json!({"value": 1, "children": [{"value": 2}]}),
            "a child has children",
        ),
        Sample::sent(output(spec, "run"), &program),
        Sample::refused::<Program>(
            input(spec, "run"),
            json!({"expr": {"Add": [{"Num": 1.0}]}, "author": {"name": "p", "pets": []}}),
            "`Add` has two operands",
        ),
        Sample::refused::<Program>(
            input(spec, "run"),
            json!({"expr": {"Num": 1.0}, "author": {"name": "p", "pets": [{"name": "d", "owner": {"name": "q"}}]}}),
            "an owner has pets",
        ),
    ]
}
