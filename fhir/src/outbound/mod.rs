//! FHIR R4 out: a record's entries as resources, and the International Patient Summary.
