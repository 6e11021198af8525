import Foundation

/// Reductions over one row of logits that every loss needs. Internal helpers, kept
/// together so the losses agree on how a row is made numerically safe and which class
/// wins a tie.
enum LogitRow {
    /// log Σ_k exp(scale · x_k), taken around the largest term: logits of ±1000 would
    /// overflow or vanish in a plain sum of exponentials.
    @inline(__always)
    static func logSumExp(_ row: UnsafePointer<Float>, count: Int, scale: Double) -> Double {
        var largest = -Double.infinity
        for k in 0..<count {
            largest = max(largest, scale * Double(row[k]))
        }
        var sum = 0.0
        for k in 0..<count {
            sum += exp(scale * Double(row[k]) - largest)
        }
        return largest + log(sum)
    }

    /// The first class with the largest logit, so ties resolve the same way on every run.
    @inline(__always)
    static func argMax(_ row: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for k in 1..<max(count, 1) where row[k] > row[best] {
            best = k
        }
        return best
    }
}
