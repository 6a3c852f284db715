// The generator child process and the reading of its output, shared by the
// one-source and the batch isolated generation (generator_process.h).
// Internal to cache/.
#pragma once

#include "file_handles.h"
#include "reference_cache.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kerchunk
{

// A pipe whose ends are close-on-exec. Throws kerchunk::Error.
void MakePipe(UniqueFd &oRead, UniqueFd &oWrite);

// The child: ended with SIGKILL and reaped when abandoned, so no exit path
// leaves a running generator or a zombie behind.
class ChildProcess
{
  public:
    // nStdin -1: /dev/null.
    ChildProcess(const std::string &osCommand, std::vector<std::string> aosArgs,
                 int nStdin, int nStdout, int nStderr);
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;
    ~ChildProcess()
    {
        Kill();
    }

    pid_t Pid() const
    {
        return m_nPid;
    }
    void Kill();
    // True once the child has ended (status in m_nStatus).
    bool TryWait();
    int Status() const
    {
        return m_nStatus;
    }

  private:
    void WaitBlocking();

    pid_t m_nPid = -1;
    bool m_bReaped = false;
    int m_nStatus = 0;
};

// Reads the child's two pipes until both are closed, forwarding events.
class ChildSession
{
  public:
    ChildSession(const std::string &osSource, VSILFILE *fp,
                 GDALProgressFunc pfnProgress, void *pProgressData)
        : m_osSource(osSource), m_fp(fp), m_pfnProgress(pfnProgress),
          m_pProgressData(pProgressData)
    {
    }

    enum class PumpEnd
    {
        PipesClosed,  // the child ended (or closed its output)
        SourceDone,   // a batch child answered this source (bOneSource)
        Interrupted,  // the progress function asked to stop
    };
    // Reads until the pipes close, or with bOneSource until a batch child
    // has answered the current source.
    PumpEnd Pump(int nOutFd, int nErrFd, bool bOneSource = false);
    bool AskProgress()
    {
        return m_pfnProgress == nullptr ||
               m_pfnProgress(m_dfProgress, m_osProgressMessage.c_str(),
                             m_pProgressData);
    }
    GenerateStats Finish(const ChildProcess &oChild, const std::string &osCommand);
    // After SourceDone: the source's references, or its error.
    GenerateStats FinishSource(const std::string &osCommand);

  private:
    bool SourceAnswered() const
    {
        return !m_osFailed.empty() || m_bHaveResult;
    }
    void DrainAvailable(int nOutFd);
    bool ReadInto(int nFd, bool bReferences);
    void HandleLine(const std::string &osLine);
    std::string QuotedOutput() const
    {
        return m_osOther.empty() ? std::string() : ": " + m_osOther;
    }

    std::string m_osSource;
    VSILFILE *m_fp;
    GDALProgressFunc m_pfnProgress;
    void *m_pProgressData;
    double m_dfProgress = 0;
    std::string m_osProgressMessage{};
    std::string m_osPartialLine{};
    std::string m_osOther{};
    std::string m_osFailed{};
    bool m_bHaveResult = false;
    bool m_bWriteFailed = false;
    GenerateStats m_oStats{};
    uint64_t m_nReceived = 0;  // bytes of references read
    std::optional<uint64_t> m_onReferencesSize{};
};

// Waits for a child whose pipes are closed, asking the progress function
// meanwhile; false when it asked to stop.
bool WaitForEnd(ChildProcess &oChild, ChildSession &oSession);

}  // namespace kerchunk
