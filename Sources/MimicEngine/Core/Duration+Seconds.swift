extension Duration {
    /// The duration as a plain number of seconds, for rates, reports and the
    /// dashboard's clock. Dividing by 1e18, which a Double holds exactly, rounds once.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
