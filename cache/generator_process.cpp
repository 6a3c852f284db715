#include "generator_process.h"

#include "generator_child.h"
#include "generator_protocol.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"

#include <chrono>
#include <cstring>
#include <thread>

#include <sys/socket.h>

namespace kerchunk
{

GenerateStats GenerateInChildProcess(const std::string &osCommand,
                                     const std::string &osSource, VSILFILE *fp,
                                     GDALProgressFunc pfnProgress,
                                     void *pProgressData)
{
    UniqueFd oOutRead, oOutWrite, oErrRead, oErrWrite;
    MakePipe(oOutRead, oOutWrite);
    MakePipe(oErrRead, oErrWrite);
    CPLDebug("KERCHUNK", "isolated generation: running %s for %s",
             osCommand.c_str(), osSource.c_str());
    ChildProcess oChild(osCommand,
                        {"generate-for-driver", "--expect-version",
                         CurrentGeneratorVersion(), osSource},
                        -1, oOutWrite.Get(), oErrWrite.Get());
    // Only the child holds the write ends now: its end closes the pipes.
    oOutWrite.Reset();
    oErrWrite.Reset();

    ChildSession oSession(osSource, fp, pfnProgress, pProgressData);
    if (oSession.Pump(oOutRead.Get(), oErrRead.Get()) == ChildSession::PumpEnd::Interrupted)
    {
        oChild.Kill();
        throw Error("generation of references for " + osSource + " was interrupted");
    }
    // Both pipes closed: the child is ending (or closed them and hangs).
    if (!WaitForEnd(oChild, oSession))
    {
        oChild.Kill();
        throw Error("generation of references for " + osSource + " was interrupted");
    }
    return oSession.Finish(oChild, osCommand);
}

// One batch child (generate-for-driver --batch) and the ends of its pipes.
struct ReusableGeneratorProcess::Running
{
    UniqueFd oRequests{};  // a socket: a send to a dead child is EPIPE, not SIGPIPE
    UniqueFd oOut{};
    UniqueFd oErr{};
    std::unique_ptr<ChildProcess> poChild{};
};

ReusableGeneratorProcess::ReusableGeneratorProcess(std::string osCommand)
    : m_osCommand(std::move(osCommand))
{
}

ReusableGeneratorProcess::~ReusableGeneratorProcess()
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    Stop();
}

void ReusableGeneratorProcess::Start()
{
    auto poRunning = std::make_unique<Running>();
    int anSocket[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, anSocket) != 0)
        throw Error(std::string("cannot create a socket pair: ") + strerror(errno));
    poRunning->oRequests.Reset(anSocket[0]);
    UniqueFd oChildIn(anSocket[1]), oOutWrite, oErrWrite;
    MakePipe(poRunning->oOut, oOutWrite);
    MakePipe(poRunning->oErr, oErrWrite);
    CPLDebug("KERCHUNK", "isolated generation: running %s for a batch of sources",
             m_osCommand.c_str());
    poRunning->poChild = std::make_unique<ChildProcess>(
        m_osCommand,
        std::vector<std::string>{"generate-for-driver", "--expect-version",
                                 CurrentGeneratorVersion(), "--batch"},
        oChildIn.Get(), oOutWrite.Get(), oErrWrite.Get());
    m_poRunning = std::move(poRunning);
}

void ReusableGeneratorProcess::Stop()
{
    if (!m_poRunning)
        return;
    // The end of its requests ends an idle child; one still busy (abandoned
    // after a timeout) is killed.
    m_poRunning->oRequests.Reset();
    for (int i = 0; i < 100 && !m_poRunning->poChild->TryWait(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    m_poRunning->poChild->Kill();
    m_poRunning.reset();
}

// Sends the request; false when the child is gone.
bool ReusableGeneratorProcess::SendRequest(const std::string &osSource)
{
    const std::string osLine = FormatSourceRequest(osSource);
    size_t nSent = 0;
    while (nSent < osLine.size())
    {
        const ssize_t n = send(m_poRunning->oRequests.Get(), osLine.data() + nSent,
                               osLine.size() - nSent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        nSent += static_cast<size_t>(n);
    }
    return true;
}

GenerateStats ReusableGeneratorProcess::Generate(const std::string &osSource, VSILFILE *fp,
                                                 GDALProgressFunc pfnProgress,
                                                 void *pProgressData)
{
    std::lock_guard<std::mutex> oLock(m_oMutex);
    if (!m_poRunning)
        Start();
    if (!SendRequest(osSource))
    {
        // Ended between two sources: a fresh child gets this one.
        Stop();
        Start();
        if (!SendRequest(osSource))
            throw Error("generating references for " + osSource +
                        ": cannot send it to the generator process (" + m_osCommand + ")");
    }
    CPLDebug("KERCHUNK", "isolated generation: %s (pid %d) generating %s", m_osCommand.c_str(),
             static_cast<int>(m_poRunning->poChild->Pid()), osSource.c_str());
    ChildSession oSession(osSource, fp, pfnProgress, pProgressData);
    const auto eEnd =
        oSession.Pump(m_poRunning->oOut.Get(), m_poRunning->oErr.Get(), /* bOneSource = */ true);
    if (eEnd == ChildSession::PumpEnd::SourceDone)
        return oSession.FinishSource(m_osCommand);
    // Timed out or cancelled, or the child died on this source: only this
    // source fails; the next one starts a new child.
    std::unique_ptr<Running> poRunning = std::move(m_poRunning);
    if (eEnd == ChildSession::PumpEnd::Interrupted || !WaitForEnd(*poRunning->poChild, oSession))
    {
        poRunning->poChild->Kill();
        throw Error("generation of references for " + osSource + " was interrupted");
    }
    return oSession.Finish(*poRunning->poChild, m_osCommand);
}

GenerateFunc MakeReusableChildProcessGenerate(const std::string &osCommand)
{
    auto poProcess = std::make_shared<ReusableGeneratorProcess>(osCommand);
    return [poProcess](const std::string &osSource, VSILFILE *fp, GDALProgressFunc pfnProgress,
                       void *pProgressData)
    { return poProcess->Generate(osSource, fp, pfnProgress, pProgressData); };
}

GenerateFunc MakeChildProcessGenerate(const std::string &osCommand)
{
    return [osCommand](const std::string &osSource, VSILFILE *fp,
                       GDALProgressFunc pfnProgress, void *pProgressData)
    { return GenerateInChildProcess(osCommand, osSource, fp, pfnProgress, pProgressData); };
}

}  // namespace kerchunk
