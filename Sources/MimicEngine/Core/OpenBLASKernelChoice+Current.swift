#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension OpenBLASKernelChoice.Situation {
    /// This process's situation: its CPU, environment and OpenBLAS.
    public static var current: Self {
        Self(features: .current,
             coreTypeVariable: environment(OpenBLASKernelChoice.coreTypeVariable),
             ownPick: environment(OpenBLASKernelChoice.ownPickVariable),
             core: BLAS.coreName,
             builtTargets: Set(OpenBLASKernelChoice.Target.allCases.filter(isBuilt)))
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Whether the loaded OpenBLAS has `target`'s kernels. Only a DYNAMIC_ARCH build
    /// obeys OPENBLAS_CORETYPE, and it exports each family's kernels with the family's
    /// name as suffix; a build without them would map the name to older kernels.
    private static func isBuilt(_ target: OpenBLASKernelChoice.Target) -> Bool {
        guard let program = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(program) }
        return dlsym(program, "sgemm_kernel_\(target.rawValue.uppercased())") != nil
    }
}
