"""Conan 2 recipe of stepfn, a header-only library (docs/install.md).

    conan create . --build=missing              # package this checkout
    conan create . -o "stepfn/*:with_yaml=True"  # with the YAML front end

The recipe sits in the repository and exports its own sources; it follows the conventions of
ConanCenter's header-only recipes (package_type header-library, basic_layout, an empty
package_id, CMakeDeps names that match our own CMake package).
"""
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy, load
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class StepfnConan(ConanFile):
    name = "stepfn"
    description = "Runs Amazon States Language (AWS Step Functions) workflows inside a C++ process"
    license = "Apache-2.0"
    topics = ("workflow", "step-functions", "asl", "state-machine", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_yaml": [True, False], "with_http": [True, False], "with_sqlite": [True, False], "with_server": [True, False],
               "with_auth": [True, False]}
    default_options = {"with_yaml": False, "with_http": False, "with_sqlite": False, "with_server": False, "with_auth": False}
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    def set_version(self):
        # The version lives once, in include/stepfn/version.hpp.
        text = load(self, os.path.join(self.recipe_folder, "include", "stepfn", "version.hpp"))
        parts = [re.search(rf"#define STEPFN_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
        self.version = ".".join(parts)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # Headers of these appear in stepfn's public headers.
        self.requires("nlohmann_json/3.11.3", transitive_headers=True)
        self.requires("tl-expected/20190710", transitive_headers=True)
        self.requires("fmt/10.2.1", transitive_headers=True)
        if self.options.with_yaml:
            self.requires("yaml-cpp/0.8.0", transitive_headers=True)
        if self.options.with_http:
            self.requires("libcurl/8.6.0", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/3.45.0", transitive_headers=True)
        if self.options.with_server:
            self.requires("boost/1.84.0", transitive_headers=True)
        if self.options.with_auth:
            self.requires("openssl/3.2.1", transitive_headers=True)

    def package_id(self):
        # Header-only: one package whatever the settings; the YAML header ships either way.
        self.info.clear()

    def validate(self):
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 17)

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    def package_info(self):
        # find_package(stepfn) and the targets stepfn::stepfn / stepfn::yaml, as our own CMake
        # package config names them.
        self.cpp_info.set_property("cmake_file_name", "stepfn")
        self.cpp_info.set_property("pkg_config_name", "stepfn")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "stepfn::stepfn")
        core.set_property("pkg_config_name", "stepfn")
        core.requires = ["nlohmann_json::nlohmann_json", "tl-expected::tl-expected", "fmt::fmt"]
        core.bindirs = []
        core.libdirs = []
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]

        if self.options.with_yaml:
            yaml = self.cpp_info.components["yaml"]
            yaml.set_property("cmake_target_name", "stepfn::yaml")
            yaml.set_property("pkg_config_name", "stepfn-yaml")
            yaml.requires = ["core", "yaml-cpp::yaml-cpp"]
            yaml.defines = ["STEPFN_WITH_YAML"]
            yaml.bindirs = []
            yaml.libdirs = []

        if self.options.with_http:
            http = self.cpp_info.components["http"]
            http.set_property("cmake_target_name", "stepfn::http")
            http.requires = ["core", "libcurl::libcurl"]
            http.defines = ["STEPFN_WITH_HTTP"]
            http.bindirs = []
            http.libdirs = []

        if self.options.with_sqlite:
            sqlite = self.cpp_info.components["sqlite"]
            sqlite.set_property("cmake_target_name", "stepfn::sqlite")
            sqlite.requires = ["core", "sqlite3::sqlite3"]
            sqlite.defines = ["STEPFN_WITH_SQLITE"]
            sqlite.bindirs = []
            sqlite.libdirs = []

        if self.options.with_server:
            server = self.cpp_info.components["server"]
            server.set_property("cmake_target_name", "stepfn::server")
            server.requires = ["core", "boost::headers"]
            server.defines = ["STEPFN_WITH_SERVER"]
            server.bindirs = []
            server.libdirs = []

        if self.options.with_auth:
            auth = self.cpp_info.components["auth"]
            auth.set_property("cmake_target_name", "stepfn::auth")
            auth.requires = ["core", "openssl::crypto"]
            auth.defines = ["STEPFN_WITH_AUTH"]
            auth.bindirs = []
            auth.libdirs = []
