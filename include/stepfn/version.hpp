#ifndef STEPFN_VERSION_HPP
#define STEPFN_VERSION_HPP

// The single source of the version: CMake and the packaging recipes read these lines.
#define STEPFN_VERSION_MAJOR 0
#define STEPFN_VERSION_MINOR 1
#define STEPFN_VERSION_PATCH 0

namespace stepfn {

struct version_info {
    int major;
    int minor;
    int patch;
};

inline constexpr version_info version{STEPFN_VERSION_MAJOR, STEPFN_VERSION_MINOR, STEPFN_VERSION_PATCH};

} // namespace stepfn

#endif
