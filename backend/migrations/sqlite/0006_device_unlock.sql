-- A tablet's unlock key: 32 random bytes (base64url) the server gives back at each
-- sign-in made with the tablet's credential. The tablet keeps its data key wrapped
-- under it, so a member of staff new to the tablet gets the data key by signing in
-- online. Kept in clear: the server already holds every record the key protects.
-- Tablets enrolled before this migration have none and must be enrolled again.
ALTER TABLE enrolled_devices ADD COLUMN unlock_key TEXT;
