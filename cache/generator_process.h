// Isolated generation: references made by a child process (the
// `gdal_kerchunk generate-for-driver` command), so that a crash, an abort or a
// hang inside libhdf5, eccodes or a network read ends the child, never the
// application that opened the dataset. Implements the GenerateFunc contract of
// reference_cache.h: the references stream into the caller's file (the cache
// validates and commits them as for an in-process generation), and the
// progress function is called while the child runs -- also when it reports
// nothing -- so a FALSE (timeout, user cancel) ends the child at once.
#pragma once

#include "reference_cache.h"

#include <memory>
#include <mutex>
#include <string>

namespace kerchunk
{

// Runs osCommand (a gdal_kerchunk executable) on osSource. GDAL config
// options of this process reach the child through its environment. Throws
// kerchunk::Error with the child's own message when generation failed, or
// naming the source and the signal / exit code when the child died.
GenerateStats GenerateInChildProcess(const std::string &osCommand,
                                     const std::string &osSource, VSILFILE *fp,
                                     GDALProgressFunc pfnProgress,
                                     void *pProgressData);

GenerateFunc MakeChildProcessGenerate(const std::string &osCommand);

// A child that generates many sources, one after the other
// (`generate-for-driver --batch`): a multi-file open pays one process start
// per worker, not one per source, with the guarantees of a child per source.
// Started at the first source; a source that crashes or hangs it (killed at
// its progress function's FALSE: the generation timeout applies per source)
// fails alone, with the same errors as GenerateInChildProcess, and the next
// source starts a new child. Its references reach fp only once complete; the
// cache validates and commits them as for any generation. Calls are
// serialized: give each worker thread its own.
class ReusableGeneratorProcess
{
  public:
    explicit ReusableGeneratorProcess(std::string osCommand);
    ReusableGeneratorProcess(const ReusableGeneratorProcess &) = delete;
    ReusableGeneratorProcess &operator=(const ReusableGeneratorProcess &) = delete;
    // Ends the child (at once when idle: its input closes).
    ~ReusableGeneratorProcess();

    GenerateStats Generate(const std::string &osSource, VSILFILE *fp,
                           GDALProgressFunc pfnProgress, void *pProgressData);

  private:
    struct Running;
    void Start();
    void Stop();
    bool SendRequest(const std::string &osSource);

    std::string m_osCommand;
    std::mutex m_oMutex{};
    std::unique_ptr<Running> m_poRunning{};
};

// A GenerateFunc owning one ReusableGeneratorProcess (shared by its copies).
GenerateFunc MakeReusableChildProcessGenerate(const std::string &osCommand);

}  // namespace kerchunk
