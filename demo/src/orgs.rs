//! The invented organisations that send records about the demo residents: GP practices,
//! community pharmacies, hospitals, the pathology lab and the ambulance service, each with
//! an ODS-like code. The names and codes are made up; any likeness to a real organisation's
//! code is chance.

/// An organisation as it appears in an entry's provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Org {
    pub name: &'static str,
    pub ods: &'static str,
    /// The sending system, for sources outside the home.
    pub system: Option<&'static str>,
}

const fn org(name: &'static str, ods: &'static str, system: &'static str) -> Org {
    Org {
        name,
        ods,
        system: Some(system),
    }
}

/// A GP practice and its doctors (invented).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Practice {
    pub org: Org,
    pub doctors: &'static [&'static str],
}

/// A hospital, its wards and its doctors (invented).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hospital {
    pub org: Org,
    pub geriatricians: &'static [&'static str],
    pub orthopaedic_surgeons: &'static [&'static str],
    pub physicians: &'static [&'static str],
    pub junior_doctors: &'static [&'static str],
    pub ed_doctors: &'static [&'static str],
}

pub(crate) const OAK_PRACTICES: [Practice; 2] = [
    Practice {
        org: org("Oak Tree Surgery", "Z81021", "GP Connect"),
        doctors: &[
            "Dr Helen Marsden",
            "Dr Kwame Asante",
            "Dr Rebecca Lowe",
            "Dr Imran Qureshi",
        ],
    },
    Practice {
        org: org("Market Street Medical Centre", "Z81034", "GP Connect"),
        doctors: &["Dr Fiona Carmichael", "Dr Sunil Varma", "Dr Thomas Rudd"],
    },
];

pub(crate) const RIVER_PRACTICES: [Practice; 3] = [
    Practice {
        org: org("Riverside Surgery", "Z82011", "GP Connect"),
        doctors: &[
            "Dr Anna Kowalczyk",
            "Dr James Whitfield",
            "Dr Priya Raman",
            "Dr Oluwaseun Adebayo",
        ],
    },
    Practice {
        org: org("The Willows Practice", "Z82027", "GP Connect"),
        doctors: &["Dr Catherine Doyle", "Dr Martin Ellery", "Dr Nadia Hussain"],
    },
    Practice {
        org: org("Millbrook Health Centre", "Z82040", "GP Connect"),
        doctors: &["Dr Gareth Pryce", "Dr Emily Sato", "Dr Robert Lindqvist"],
    },
];

pub(crate) const OAK_PHARMACY: Org = org("Oakfield Pharmacy", "FZ417", "Pharmacy PMR");
pub(crate) const RIVER_PHARMACY: Org = org("Millbrook Care Pharmacy", "FZ602", "Pharmacy PMR");

pub(crate) const NORTHBROOK: Hospital = Hospital {
    org: org("Northbrook General Hospital", "ZNB01", "Northbrook EPR"),
    geriatricians: &["Dr Ruth Calloway", "Dr Adeel Mirza", "Dr Sian Morgan"],
    orthopaedic_surgeons: &["Mr David Okonkwo", "Ms Laura Fenwick"],
    physicians: &["Dr Hannah Greaves", "Dr Vikram Nair", "Dr Oliver Brandt"],
    junior_doctors: &[
        "Dr Amara Nwosu (FY1)",
        "Dr Ben Hollis (FY2)",
        "Dr Chloe Tan (FY1)",
        "Dr Daniel Frost (CT1)",
        "Dr Esther Mensah (FY2)",
    ],
    ed_doctors: &["Dr Liam Crowther", "Dr Zara Iqbal", "Dr Joe Harding"],
};

pub(crate) const QUEEN_ELEANOR: Hospital = Hospital {
    org: org("Queen Eleanor Hospital", "ZQE01", "Queen Eleanor EPR"),
    geriatricians: &["Dr Margaret Ashby", "Dr Tunde Bakare"],
    orthopaedic_surgeons: &["Mr Simon Pettifer", "Mr Arjun Mehta"],
    physicians: &["Dr Claire Dunmore", "Dr Stefan Novak", "Dr Yasmin Rashid"],
    junior_doctors: &[
        "Dr Freya Collins (FY1)",
        "Dr George Adjei (FY2)",
        "Dr Holly Park (CT2)",
        "Dr Ibrahim Sesay (FY1)",
    ],
    ed_doctors: &["Dr Natalie Burgess", "Dr Kieran Walsh"],
};

/// The hospital laboratory that reports blood results for both homes' residents.
pub(crate) const PATHOLOGY: Org = org(
    "Northbrook General Hospital Pathology",
    "ZNB1P",
    "Northbrook LIMS",
);

pub(crate) const AMBULANCE: Org = org("Wessex Vale Ambulance Service NHS Trust", "ZWV", "ePCR");

pub(crate) const PARAMEDICS: &[&str] = &[
    "Paramedic Jo Holloway",
    "Paramedic Sam Okafor",
    "Paramedic Rachel Dunn",
    "Specialist Paramedic Tom Birch",
    "Paramedic Aisha Karim",
    "Paramedic Craig Milner",
];

/// Per-home facts the generator needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HomeSpec {
    pub name: &'static str,
    pub ods: &'static str,
    pub residents: usize,
    pub staff_prefix: &'static str,
    pub practices: &'static [Practice],
    pub pharmacy: Org,
    /// The hospital most residents go to, and the other one.
    pub hospital: Hospital,
    pub other_hospital: Hospital,
    /// Senior staff who write care plans and About Me with residents and families.
    pub seniors: &'static [&'static str],
    pub keyworkers: &'static [&'static str],
}

pub(crate) const HOMES: [HomeSpec; 2] = [
    HomeSpec {
        name: "Oak Lodge",
        ods: "VZ1OL",
        residents: 40,
        staff_prefix: "oak",
        practices: &OAK_PRACTICES,
        pharmacy: OAK_PHARMACY,
        hospital: NORTHBROOK,
        other_hospital: QUEEN_ELEANOR,
        seniors: &[
            "Grace Adeyemi (Deputy Manager)",
            "Paul Whitaker (Senior Carer)",
            "Joanne Pike (Nurse)",
        ],
        keyworkers: &[
            "Maria Santos (Key worker)",
            "Kelly Barnes (Key worker)",
            "Tendai Moyo (Key worker)",
            "Lucy Fairbrother (Key worker)",
        ],
    },
    HomeSpec {
        name: "Riverside House",
        ods: "VZ2RH",
        residents: 120,
        staff_prefix: "river",
        practices: &RIVER_PRACTICES,
        pharmacy: RIVER_PHARMACY,
        hospital: QUEEN_ELEANOR,
        other_hospital: NORTHBROOK,
        seniors: &[
            "Sandra Quinn (Clinical Lead)",
            "Josef Novak (Nurse)",
            "Bukola Adewale (Nurse)",
            "Carl Jennings (Senior Carer)",
            "Megan Price (Senior Carer)",
        ],
        keyworkers: &[
            "Ana Ionescu (Key worker)",
            "Ruth Clayton (Key worker)",
            "Dev Chauhan (Key worker)",
            "Shannon Reilly (Key worker)",
            "Precious Ncube (Key worker)",
            "Hayley Dodd (Key worker)",
        ],
    },
];
