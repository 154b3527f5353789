// Runs a libFuzzer target over files and directories without libFuzzer, so the
// seed corpus is exercised by every build (g++ included). Usage: replay PATH...
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int run_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot open %s\n", p.c_str());
        return 1;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int runs = 0, failures = 0;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        if (std::filesystem::is_directory(p)) {
            for (const auto& entry : std::filesystem::directory_iterator(p)) {
                if (!entry.is_regular_file())
                    continue;
                failures += run_file(entry.path());
                ++runs;
            }
        } else {
            failures += run_file(p);
            ++runs;
        }
    }
    std::printf("replay: %d inputs, %d unreadable\n", runs, failures);
    return (runs == 0 || failures != 0) ? 1 : 0;
}
