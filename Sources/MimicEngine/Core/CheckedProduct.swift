/// The product of sizes read from outside (file headers, specs), or nil when it
/// overflows an Int: such a size could never be allocated, and must be refused
/// before anything is.
func checkedProduct(_ factors: Int...) -> Int? {
    var result = 1
    for factor in factors {
        let (next, overflow) = result.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        result = next
    }
    return result
}
