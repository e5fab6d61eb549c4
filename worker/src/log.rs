//! Structured logs: one JSON object per line on `console.log`, filtered by `LOG_LEVEL`.
//! `wrangler tail` and Workers Logs show them as they are.

use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn parse(s: Option<&str>) -> Level {
        match s.map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("debug") | Some("trace") => Level::Debug,
            Some("warn") | Some("warning") => Level::Warn,
            Some("error") => Level::Error,
            _ => Level::Info,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Milliseconds since the epoch. Inside workerd the clock only advances across I/O.
pub fn now_ms() -> f64 {
    worker::js_sys::Date::now()
}

/// ISO 8601 time, for logs and D1 rows.
pub fn now_iso() -> String {
    String::from(worker::js_sys::Date::new_0().to_iso_string())
}

/// One log line under construction.
pub struct Line {
    min: Level,
    level: Level,
    fields: Map<String, Value>,
}

impl Line {
    pub fn new(min: Level, level: Level, event: &str) -> Line {
        let mut fields = Map::new();
        fields.insert("time".into(), Value::String(now_iso()));
        fields.insert("level".into(), Value::String(level.name().into()));
        fields.insert("event".into(), Value::String(event.into()));
        Line { min, level, fields }
    }
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Line {
        self.fields.insert(key.into(), value.into());
        self
    }
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.fields.insert(key.into(), value.into());
    }
    pub fn level(&mut self, level: Level) {
        self.level = level;
        self.fields
            .insert("level".into(), Value::String(level.name().into()));
    }
    pub fn emit(self) {
        if self.level < self.min {
            return;
        }
        let text = Value::Object(self.fields).to_string();
        match self.level {
            Level::Error => worker::console_error!("{}", text),
            Level::Warn => worker::console_warn!("{}", text),
            _ => worker::console_log!("{}", text),
        }
    }
}

/// Current size of the WebAssembly memory, in bytes (it grows and never shrinks).
pub fn wasm_memory_bytes() -> f64 {
    use worker::wasm_bindgen::JsCast;
    worker::wasm_bindgen::memory()
        .dyn_into::<worker::js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .dyn_into::<worker::js_sys::ArrayBuffer>()
                .map(|b| b.byte_length() as f64)
                .unwrap_or(0.0)
        })
        .unwrap_or(0.0)
}
