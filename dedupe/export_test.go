package dedupe

// CannotMatch exposes cannotMatch to the package's black-box tests.
func (o Options) CannotMatch(fp Fingerprint, s Sketch) bool { return o.cannotMatch(fp, s) }
