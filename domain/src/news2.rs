//! NEWS2, the National Early Warning Score, exactly as the Royal College of Physicians'
//! chart (2017) sets it out, with the escalation advice a care home acts on.
//!
//! Readings are parsed into types that refuse values outside what a living person can
//! show ([`Observations::parse`]), so a mistyped "150" for SpO2 is caught at the bedside
//! rather than scored. Temperatures are held in tenths of a degree, as they are read and
//! charted, so the band edges (35.0/35.1, 36.0/36.1, 38.0/38.1, 39.0/39.1) are exact.

use serde::{Deserialize, Serialize};

/// Which SpO2 scale applies. Scale 2 is only for residents a clinician has said have
/// hypercapnic respiratory failure (target saturation 88–92%); everyone else is Scale 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Spo2Scale {
    #[default]
    Scale1,
    Scale2,
}

/// Breathing room air, or supplemental oxygen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AirOrOxygen {
    Air,
    Oxygen,
}

/// ACVPU: Alert, new Confusion, responds to Voice, to Pain, Unresponsive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Consciousness {
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

impl Consciousness {
    pub fn label(self) -> &'static str {
        match self {
            Self::Alert => "Alert",
            Self::NewConfusion => "New confusion",
            Self::Voice => "Responds to voice",
            Self::Pain => "Responds to pain",
            Self::Unresponsive => "Unresponsive",
        }
    }
}

/// A full set of observations as recorded at the bedside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Observations {
    /// Breaths per minute.
    pub respiration_rate: u16,
    /// Oxygen saturation, %.
    pub spo2: u16,
    pub air_or_oxygen: AirOrOxygen,
    /// Systolic blood pressure, mmHg.
    pub systolic_bp: u16,
    /// Pulse, beats per minute.
    pub pulse: u16,
    pub consciousness: Consciousness,
    /// Temperature in tenths of a degree Celsius (37.2 °C is 372).
    pub temperature_tenths: i16,
}

/// A reading a person cannot have: refused, with a message for the carer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct OutOfRange {
    pub field: &'static str,
    pub message: String,
}

/// The limits beyond which a reading is a mistake, not a measurement.
pub mod limits {
    pub const RESPIRATION: (u16, u16) = (3, 70);
    pub const SPO2: (u16, u16) = (50, 100);
    pub const SYSTOLIC: (u16, u16) = (40, 300);
    pub const PULSE: (u16, u16) = (20, 250);
    /// 25.0 to 45.0 °C.
    pub const TEMPERATURE_TENTHS: (i16, i16) = (250, 450);
}

fn within<T: PartialOrd + Copy + std::fmt::Display>(
    field: &'static str,
    value: T,
    (low, high): (T, T),
    unit: &str,
) -> Result<T, OutOfRange> {
    if value < low || value > high {
        Err(OutOfRange {
            field,
            message: format!(
                "{value}{unit} is outside what can be measured ({low}{unit} to {high}{unit}); check the reading and enter it again"
            ),
        })
    } else {
        Ok(value)
    }
}

impl Observations {
    /// Checks every reading is one a person can have.
    pub fn parse(raw: Observations) -> Result<Self, OutOfRange> {
        within(
            "Respiration rate",
            raw.respiration_rate,
            limits::RESPIRATION,
            "/min",
        )?;
        within("SpO2", raw.spo2, limits::SPO2, "%")?;
        within(
            "Systolic blood pressure",
            raw.systolic_bp,
            limits::SYSTOLIC,
            " mmHg",
        )?;
        within("Pulse", raw.pulse, limits::PULSE, "/min")?;
        if raw.temperature_tenths < limits::TEMPERATURE_TENTHS.0
            || raw.temperature_tenths > limits::TEMPERATURE_TENTHS.1
        {
            return Err(OutOfRange {
                field: "Temperature",
                message: format!(
                    "{} °C is outside what can be measured (25.0 °C to 45.0 °C); check the reading and enter it again",
                    tenths(raw.temperature_tenths)
                ),
            });
        }
        Ok(raw)
    }
}

/// "37.2" from 372.
pub fn tenths(t: i16) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// Each parameter's score and the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    pub respiration_rate: u8,
    pub spo2: u8,
    pub air_or_oxygen: u8,
    pub systolic_bp: u8,
    pub pulse: u8,
    pub consciousness: u8,
    pub temperature: u8,
    pub total: u8,
}

impl Score {
    /// Whether any single parameter scores 3 (a "red score").
    pub fn any_single_three(&self) -> bool {
        [
            self.respiration_rate,
            self.spo2,
            self.air_or_oxygen,
            self.systolic_bp,
            self.pulse,
            self.consciousness,
            self.temperature,
        ]
        .contains(&3)
    }

    pub fn response(&self) -> Response {
        match self.total {
            7.. => Response::Emergency,
            5..=6 => Response::Urgent,
            _ if self.any_single_three() => Response::UrgentReview,
            1..=4 => Response::Low,
            0 => Response::Routine,
        }
    }
}

/// The clinical response the score calls for (RCP NEWS2 thresholds and triggers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Response {
    /// Total 0.
    Routine,
    /// Total 1–4.
    Low,
    /// A single parameter scoring 3 (total under 5).
    UrgentReview,
    /// Total 5–6.
    Urgent,
    /// Total 7 or more.
    Emergency,
}

impl Response {
    /// What staff in a care home should do, in words to act on.
    pub fn advice(self) -> &'static str {
        match self {
            Self::Routine => "Score 0: continue routine observations (at least every 12 hours).",
            Self::Low => {
                "Score 1–4: tell the nurse or senior in charge, who decides whether to increase \
                 observations (every 4–6 hours) or get advice."
            }
            Self::UrgentReview => {
                "A single score of 3: urgent review. Tell the nurse or senior in charge now and \
                 contact the GP or NHS 111 for advice."
            }
            Self::Urgent => {
                "Score 5–6: urgent response. Contact the GP urgently (or NHS 111 out of hours) and \
                 check observations at least every hour."
            }
            Self::Emergency => {
                "Score 7 or more: emergency. Call 999 now (unless the resident's ReSPECT plan says \
                 otherwise) and stay with them."
            }
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Routine => "Low (0)",
            Self::Low => "Low",
            Self::UrgentReview => "Low–medium: single 3",
            Self::Urgent => "Medium",
            Self::Emergency => "High",
        }
    }
}

fn respiration(rr: u16) -> u8 {
    match rr {
        ..=8 => 3,
        9..=11 => 1,
        12..=20 => 0,
        21..=24 => 2,
        25.. => 3,
    }
}

fn spo2_scale1(s: u16) -> u8 {
    match s {
        ..=91 => 3,
        92..=93 => 2,
        94..=95 => 1,
        96.. => 0,
    }
}

/// Scale 2: the 88–92% target scores 0; above it scores only on oxygen (on air, 93% or
/// more is 0).
fn spo2_scale2(s: u16, on: AirOrOxygen) -> u8 {
    match (s, on) {
        (..=83, _) => 3,
        (84..=85, _) => 2,
        (86..=87, _) => 1,
        (88..=92, _) => 0,
        (93.., AirOrOxygen::Air) => 0,
        (93..=94, AirOrOxygen::Oxygen) => 1,
        (95..=96, AirOrOxygen::Oxygen) => 2,
        (97.., AirOrOxygen::Oxygen) => 3,
    }
}

fn systolic(bp: u16) -> u8 {
    match bp {
        ..=90 => 3,
        91..=100 => 2,
        101..=110 => 1,
        111..=219 => 0,
        220.. => 3,
    }
}

fn pulse(p: u16) -> u8 {
    match p {
        ..=40 => 3,
        41..=50 => 1,
        51..=90 => 0,
        91..=110 => 1,
        111..=130 => 2,
        131.. => 3,
    }
}

fn temperature(t: i16) -> u8 {
    match t {
        ..=350 => 3,
        351..=360 => 1,
        361..=380 => 0,
        381..=390 => 1,
        391.. => 2,
    }
}

/// Scores a set of observations on the resident's SpO2 scale.
pub fn score(obs: &Observations, scale: Spo2Scale) -> Score {
    let rr = respiration(obs.respiration_rate);
    let sat = match scale {
        Spo2Scale::Scale1 => spo2_scale1(obs.spo2),
        Spo2Scale::Scale2 => spo2_scale2(obs.spo2, obs.air_or_oxygen),
    };
    let o2 = match obs.air_or_oxygen {
        AirOrOxygen::Air => 0,
        AirOrOxygen::Oxygen => 2,
    };
    let bp = systolic(obs.systolic_bp);
    let hr = pulse(obs.pulse);
    let c = match obs.consciousness {
        Consciousness::Alert => 0,
        _ => 3,
    };
    let temp = temperature(obs.temperature_tenths);
    Score {
        respiration_rate: rr,
        spo2: sat,
        air_or_oxygen: o2,
        systolic_bp: bp,
        pulse: hr,
        consciousness: c,
        temperature: temp,
        total: rr + sat + o2 + bp + hr + c + temp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Observations that score 0 everywhere, to vary one parameter at a time.
    fn normal() -> Observations {
        Observations {
            respiration_rate: 16,
            spo2: 97,
            air_or_oxygen: AirOrOxygen::Air,
            systolic_bp: 130,
            pulse: 70,
            consciousness: Consciousness::Alert,
            temperature_tenths: 370,
        }
    }

    #[test]
    fn normal_observations_score_zero() {
        let s = score(&normal(), Spo2Scale::Scale1);
        assert_eq!(s.total, 0);
        assert_eq!(s.response(), Response::Routine);
    }

    #[test]
    fn respiration_rate_band_edges() {
        for (rr, want) in [
            (3, 3),
            (8, 3),
            (9, 1),
            (11, 1),
            (12, 0),
            (20, 0),
            (21, 2),
            (24, 2),
            (25, 3),
            (70, 3),
        ] {
            let obs = Observations {
                respiration_rate: rr,
                ..normal()
            };
            assert_eq!(
                score(&obs, Spo2Scale::Scale1).respiration_rate,
                want,
                "RR {rr}"
            );
        }
    }

    #[test]
    fn spo2_scale_1_band_edges() {
        for (spo2, want) in [
            (50, 3),
            (91, 3),
            (92, 2),
            (93, 2),
            (94, 1),
            (95, 1),
            (96, 0),
            (100, 0),
        ] {
            for on in [AirOrOxygen::Air, AirOrOxygen::Oxygen] {
                let obs = Observations {
                    spo2,
                    air_or_oxygen: on,
                    ..normal()
                };
                assert_eq!(
                    score(&obs, Spo2Scale::Scale1).spo2,
                    want,
                    "SpO2 {spo2} on {on:?}"
                );
            }
        }
    }

    #[test]
    fn spo2_scale_2_band_edges() {
        use AirOrOxygen::{Air, Oxygen};
        for (spo2, on, want) in [
            (50, Air, 3),
            (83, Air, 3),
            (83, Oxygen, 3),
            (84, Air, 2),
            (85, Oxygen, 2),
            (86, Air, 1),
            (87, Oxygen, 1),
            (88, Air, 0),
            (88, Oxygen, 0),
            (92, Air, 0),
            (92, Oxygen, 0),
            (93, Air, 0),
            (100, Air, 0),
            (93, Oxygen, 1),
            (94, Oxygen, 1),
            (95, Oxygen, 2),
            (96, Oxygen, 2),
            (97, Oxygen, 3),
            (100, Oxygen, 3),
        ] {
            let obs = Observations {
                spo2,
                air_or_oxygen: on,
                ..normal()
            };
            assert_eq!(
                score(&obs, Spo2Scale::Scale2).spo2,
                want,
                "SpO2 {spo2} on {on:?}"
            );
        }
    }

    #[test]
    fn air_or_oxygen() {
        let oxygen = Observations {
            air_or_oxygen: AirOrOxygen::Oxygen,
            ..normal()
        };
        assert_eq!(score(&oxygen, Spo2Scale::Scale1).air_or_oxygen, 2);
        assert_eq!(score(&normal(), Spo2Scale::Scale1).air_or_oxygen, 0);
    }

    #[test]
    fn systolic_band_edges() {
        for (bp, want) in [
            (40, 3),
            (90, 3),
            (91, 2),
            (100, 2),
            (101, 1),
            (110, 1),
            (111, 0),
            (219, 0),
            (220, 3),
            (300, 3),
        ] {
            let obs = Observations {
                systolic_bp: bp,
                ..normal()
            };
            assert_eq!(score(&obs, Spo2Scale::Scale1).systolic_bp, want, "BP {bp}");
        }
    }

    #[test]
    fn pulse_band_edges() {
        for (p, want) in [
            (20, 3),
            (40, 3),
            (41, 1),
            (50, 1),
            (51, 0),
            (90, 0),
            (91, 1),
            (110, 1),
            (111, 2),
            (130, 2),
            (131, 3),
            (250, 3),
        ] {
            let obs = Observations {
                pulse: p,
                ..normal()
            };
            assert_eq!(score(&obs, Spo2Scale::Scale1).pulse, want, "pulse {p}");
        }
    }

    #[test]
    fn consciousness() {
        for (c, want) in [
            (Consciousness::Alert, 0),
            (Consciousness::NewConfusion, 3),
            (Consciousness::Voice, 3),
            (Consciousness::Pain, 3),
            (Consciousness::Unresponsive, 3),
        ] {
            let obs = Observations {
                consciousness: c,
                ..normal()
            };
            assert_eq!(score(&obs, Spo2Scale::Scale1).consciousness, want, "{c:?}");
        }
    }

    #[test]
    fn temperature_band_edges() {
        for (t, want) in [
            (250, 3),
            (350, 3),
            (351, 1),
            (360, 1),
            (361, 0),
            (380, 0),
            (381, 1),
            (390, 1),
            (391, 2),
            (450, 2),
        ] {
            let obs = Observations {
                temperature_tenths: t,
                ..normal()
            };
            assert_eq!(score(&obs, Spo2Scale::Scale1).temperature, want, "temp {t}");
        }
    }

    #[test]
    fn escalation_thresholds() {
        let with = |f: fn(&mut Observations)| {
            let mut o = normal();
            f(&mut o);
            score(&o, Spo2Scale::Scale1)
        };
        // total 1
        let s = with(|o| o.pulse = 95);
        assert_eq!((s.total, s.response()), (1, Response::Low));
        // total 4, no single 3
        let s = with(|o| {
            o.pulse = 115;
            o.respiration_rate = 22;
        });
        assert_eq!((s.total, s.response()), (4, Response::Low));
        // a single 3 with total 3
        let s = with(|o| o.consciousness = Consciousness::NewConfusion);
        assert_eq!((s.total, s.response()), (3, Response::UrgentReview));
        // a single 3 with total 4
        let s = with(|o| {
            o.systolic_bp = 88;
            o.pulse = 95;
        });
        assert_eq!((s.total, s.response()), (4, Response::UrgentReview));
        // total 5 and 6
        let s = with(|o| {
            o.systolic_bp = 88;
            o.respiration_rate = 22;
        });
        assert_eq!((s.total, s.response()), (5, Response::Urgent));
        let s = with(|o| {
            o.air_or_oxygen = AirOrOxygen::Oxygen;
            o.spo2 = 93;
            o.pulse = 115;
        });
        assert_eq!((s.total, s.response()), (6, Response::Urgent));
        // total 7 and more
        let s = with(|o| {
            o.respiration_rate = 26;
            o.spo2 = 92;
            o.pulse = 115;
        });
        assert_eq!((s.total, s.response()), (7, Response::Emergency));
        let s = with(|o| {
            o.respiration_rate = 30;
            o.spo2 = 85;
            o.air_or_oxygen = AirOrOxygen::Oxygen;
            o.systolic_bp = 85;
            o.pulse = 140;
            o.consciousness = Consciousness::Unresponsive;
            o.temperature_tenths = 349;
        });
        assert_eq!(s.total, 20, "the highest possible score");
        assert_eq!(s.response(), Response::Emergency);
    }

    #[test]
    fn impossible_readings_are_refused() {
        let ok = Observations::parse(normal());
        assert_eq!(ok, Ok(normal()));
        let cases: Vec<(Observations, &str)> = vec![
            (
                Observations {
                    respiration_rate: 2,
                    ..normal()
                },
                "Respiration rate",
            ),
            (
                Observations {
                    respiration_rate: 71,
                    ..normal()
                },
                "Respiration rate",
            ),
            (
                Observations {
                    spo2: 49,
                    ..normal()
                },
                "SpO2",
            ),
            (
                Observations {
                    spo2: 101,
                    ..normal()
                },
                "SpO2",
            ),
            (
                Observations {
                    systolic_bp: 39,
                    ..normal()
                },
                "Systolic blood pressure",
            ),
            (
                Observations {
                    systolic_bp: 301,
                    ..normal()
                },
                "Systolic blood pressure",
            ),
            (
                Observations {
                    pulse: 0,
                    ..normal()
                },
                "Pulse",
            ),
            (
                Observations {
                    pulse: 251,
                    ..normal()
                },
                "Pulse",
            ),
            (
                Observations {
                    temperature_tenths: 249,
                    ..normal()
                },
                "Temperature",
            ),
            (
                Observations {
                    temperature_tenths: 451,
                    ..normal()
                },
                "Temperature",
            ),
        ];
        for (obs, field) in cases {
            let err = Observations::parse(obs).expect_err(field);
            assert_eq!(err.field, field);
            assert!(err.to_string().contains("check the reading"), "{err}");
        }
        // The limits themselves are readings.
        for obs in [
            Observations {
                respiration_rate: 3,
                spo2: 50,
                systolic_bp: 40,
                pulse: 20,
                temperature_tenths: 250,
                ..normal()
            },
            Observations {
                respiration_rate: 70,
                spo2: 100,
                systolic_bp: 300,
                pulse: 250,
                temperature_tenths: 450,
                ..normal()
            },
        ] {
            assert!(Observations::parse(obs).is_ok());
        }
    }

    #[test]
    fn advice_is_there_for_every_response() {
        for r in [
            Response::Routine,
            Response::Low,
            Response::UrgentReview,
            Response::Urgent,
            Response::Emergency,
        ] {
            assert!(!r.advice().is_empty());
        }
        assert!(Response::Emergency.advice().contains("999"));
        assert_eq!(tenths(372), "37.2");
        assert_eq!(tenths(350), "35.0");
    }
}
