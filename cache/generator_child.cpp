#include "generator_child.h"

#include "generator_memory_limit.h"
#include "generator_protocol.h"

#include "error.h"

#include "cpl_conv.h"
#include "cpl_error.h"
#include "cpl_string.h"

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace kerchunk
{

namespace
{

// How often the progress function is asked whether to go on while the
// child is silent (a stalled read): bounds how late a timeout is noticed.
constexpr int kPollMilliseconds = 100;
// Lines of the child's stderr that are not events (libhdf5 diagnostics, a
// glibc abort message) quoted in the error, at most this many bytes.
constexpr size_t kMaxQuotedOutput = 2000;
// A stderr "line" longer than this is handled as it is (never an event):
// a child printing without newlines must not grow our memory unbounded.
constexpr size_t kMaxLineLength = 1 << 20;

// environ with this process's GDAL config options added: options set with
// CPLSetConfigOption (as Python's gdal.SetConfigOption does) live only in
// memory, and the child reads them from its environment.
std::vector<std::string> ChildEnvironment()
{
    std::map<std::string, std::string> oVars;
    for (char **ppsz = environ; ppsz && *ppsz; ++ppsz)
    {
        const char *pszEq = strchr(*ppsz, '=');
        if (pszEq)
            oVars[std::string(*ppsz, pszEq - *ppsz)] = pszEq + 1;
    }
    for (const auto &aosOptions :
         {CPLStringList(CPLGetConfigOptions()),
          CPLStringList(CPLGetThreadLocalConfigOptions())})
    {
        for (int i = 0; i < aosOptions.size(); ++i)
        {
            char *pszKey = nullptr;
            const char *pszValue = CPLParseNameValue(aosOptions[i], &pszKey);
            if (pszKey && pszValue)
                oVars[pszKey] = pszValue;
            CPLFree(pszKey);
        }
    }
    std::vector<std::string> aosEnv;
    for (const auto &oVar : oVars)
        aosEnv.push_back(oVar.first + "=" + oVar.second);
    return aosEnv;
}

std::vector<char *> PointersTo(std::vector<std::string> &aosStrings)
{
    std::vector<char *> apsz;
    for (auto &os : aosStrings)
        apsz.push_back(&os[0]);
    apsz.push_back(nullptr);
    return apsz;
}

class SpawnAttributes
{
  public:
    SpawnAttributes()
    {
        posix_spawnattr_init(&m_sAttr);
        posix_spawn_file_actions_init(&m_sActions);
    }
    ~SpawnAttributes()
    {
        posix_spawnattr_destroy(&m_sAttr);
        posix_spawn_file_actions_destroy(&m_sActions);
    }
    posix_spawnattr_t m_sAttr;
    posix_spawn_file_actions_t m_sActions;
};

}  // namespace

void MakePipe(UniqueFd &oRead, UniqueFd &oWrite)
{
    int anFds[2];
    // Close-on-exec: children spawned meanwhile by other threads must not
    // hold our pipe open (we would never see its end).
    if (pipe2(anFds, O_CLOEXEC) != 0)
        throw Error(std::string("cannot create a pipe: ") + strerror(errno));
    oRead.Reset(anFds[0]);
    oWrite.Reset(anFds[1]);
}

ChildProcess::ChildProcess(const std::string &osCommand,
                           std::vector<std::string> aosArgs, int nStdin,
                           int nStdout, int nStderr)
{
    SpawnAttributes oSpawn;
    // Default signal dispositions and an empty mask: a host that ignores
    // SIGPIPE or blocks signals (Python, servers) must not pass that on.
    sigset_t sAll, sNone;
    sigfillset(&sAll);
    sigemptyset(&sNone);
    posix_spawnattr_setsigdefault(&oSpawn.m_sAttr, &sAll);
    posix_spawnattr_setsigmask(&oSpawn.m_sAttr, &sNone);
    posix_spawnattr_setflags(&oSpawn.m_sAttr,
                             POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (nStdin < 0)
        posix_spawn_file_actions_addopen(&oSpawn.m_sActions, 0, "/dev/null", O_RDONLY, 0);
    else
        posix_spawn_file_actions_adddup2(&oSpawn.m_sActions, nStdin, 0);
    posix_spawn_file_actions_adddup2(&oSpawn.m_sActions, nStdout, 1);
    posix_spawn_file_actions_adddup2(&oSpawn.m_sActions, nStderr, 2);

    aosArgs.insert(aosArgs.begin(), osCommand);
    auto apszArgs = PointersTo(aosArgs);
    auto aosEnv = ChildEnvironment();
    auto apszEnv = PointersTo(aosEnv);
    const int nErr = posix_spawn(&m_nPid, osCommand.c_str(), &oSpawn.m_sActions,
                                 &oSpawn.m_sAttr, apszArgs.data(), apszEnv.data());
    if (nErr != 0)
    {
        m_nPid = -1;
        throw Error("cannot start the generator process " + osCommand + ": " +
                    strerror(nErr));
    }
}

void ChildProcess::Kill()
{
    if (m_nPid > 0 && !m_bReaped)
    {
        kill(m_nPid, SIGKILL);
        WaitBlocking();
    }
}

bool ChildProcess::TryWait()
{
    if (m_bReaped)
        return true;
    int nStatus = 0;
    const pid_t nRet = waitpid(m_nPid, &nStatus, WNOHANG);
    if (nRet == m_nPid || (nRet < 0 && errno == ECHILD))
    {
        // ECHILD: the host reaps children itself (SIGCHLD ignored); the
        // events on stderr then tell how it ended.
        m_nStatus = nRet == m_nPid ? nStatus : 0;
        m_bReaped = true;
    }
    return m_bReaped;
}

void ChildProcess::WaitBlocking()
{
    while (!m_bReaped)
    {
        int nStatus = 0;
        const pid_t nRet = waitpid(m_nPid, &nStatus, 0);
        if (nRet == m_nPid || (nRet < 0 && errno != EINTR))
        {
            m_nStatus = nRet == m_nPid ? nStatus : 0;
            m_bReaped = true;
        }
    }
}

// False at end of file.
bool ChildSession::ReadInto(int nFd, bool bReferences)
{
    char achBuf[65536];
    const ssize_t nRead = read(nFd, achBuf, sizeof(achBuf));
    if (nRead < 0)
        return errno == EINTR || errno == EAGAIN;
    if (nRead == 0)
        return false;
    if (bReferences)
    {
        m_nReceived += static_cast<uint64_t>(nRead);
        if (!m_bWriteFailed &&
            VSIFWriteL(achBuf, 1, static_cast<size_t>(nRead), m_fp) !=
                static_cast<size_t>(nRead))
            m_bWriteFailed = true;
        return true;
    }
    m_osPartialLine.append(achBuf, static_cast<size_t>(nRead));
    size_t nStart = 0, nEnd;
    while ((nEnd = m_osPartialLine.find('\n', nStart)) != std::string::npos)
    {
        HandleLine(m_osPartialLine.substr(nStart, nEnd - nStart));
        nStart = nEnd + 1;
    }
    m_osPartialLine.erase(0, nStart);
    if (m_osPartialLine.size() > kMaxLineLength)
    {
        HandleLine(m_osPartialLine.substr(0, kMaxQuotedOutput));
        m_osPartialLine.clear();
    }
    return true;
}

void ChildSession::HandleLine(const std::string &osLine)
{
    const GeneratorEvent oEvent = ParseGeneratorEvent(osLine);
    switch (oEvent.eKind)
    {
        case GeneratorEvent::Kind::Progress:
            m_dfProgress = oEvent.dfProgress;
            m_osProgressMessage = oEvent.osText;
            break;
        case GeneratorEvent::Kind::CPLErrorMessage:
            if (oEvent.nErrClass == CE_Debug)
                CPLDebug("KERCHUNK", "generator process: %s",
                         STARTS_WITH(oEvent.osText.c_str(), "KERCHUNK: ")
                             ? oEvent.osText.c_str() + strlen("KERCHUNK: ")
                             : oEvent.osText.c_str());
            else if (oEvent.nErrClass == CE_Warning)
                CPLError(CE_Warning, oEvent.nErrNum, "%s", oEvent.osText.c_str());
            else  // failures come back as the `failed` event
                CPLDebug("KERCHUNK", "generator process error: %s",
                         oEvent.osText.c_str());
            break;
        case GeneratorEvent::Kind::Failed:
            m_osFailed = oEvent.osText;
            break;
        case GeneratorEvent::Kind::Result:
            m_oStats = oEvent.oStats;
            m_onReferencesSize = oEvent.onReferencesSize;
            m_bHaveResult = true;
            break;
        case GeneratorEvent::Kind::Other:
            if (!oEvent.osText.empty() && m_osOther.size() < kMaxQuotedOutput)
            {
                if (!m_osOther.empty())
                    m_osOther += " | ";
                m_osOther += oEvent.osText.substr(0, kMaxQuotedOutput - m_osOther.size());
            }
            break;
    }
}

// A batch child writes a source's references before its answer: they are
// all in the pipe by now (its write returned), so what can be read without
// waiting is all there is -- a child announcing more than it sent cannot
// make us wait for bytes that never come.
void ChildSession::DrainAvailable(int nOutFd)
{
    while (true)
    {
        pollfd sFd = {nOutFd, POLLIN, 0};
        if (poll(&sFd, 1, 0) <= 0 || sFd.revents == 0 || !ReadInto(nOutFd, true))
            return;
    }
}

ChildSession::PumpEnd ChildSession::Pump(int nOutFd, int nErrFd, bool bOneSource)
{
    bool bOutOpen = true, bErrOpen = true;
    auto tLastAsked = std::chrono::steady_clock::now();
    while (bOutOpen || bErrOpen)
    {
        if (bOneSource && SourceAnswered())
        {
            if (bOutOpen)
                DrainAvailable(nOutFd);
            return PumpEnd::SourceDone;
        }
        pollfd asFds[2] = {{bOutOpen ? nOutFd : -1, POLLIN, 0},
                           {bErrOpen ? nErrFd : -1, POLLIN, 0}};
        const int nReady = poll(asFds, 2, kPollMilliseconds);
        if (nReady < 0 && errno != EINTR)
            throw Error(std::string("poll() failed: ") + strerror(errno));
        if (nReady > 0 && asFds[0].revents)
            bOutOpen = ReadInto(nOutFd, true);
        if (nReady > 0 && asFds[1].revents)
            bErrOpen = ReadInto(nErrFd, false);
        // Ask on every event, and while silent at least every poll period.
        const auto tNow = std::chrono::steady_clock::now();
        if (nReady != 0 || tNow - tLastAsked >= std::chrono::milliseconds(kPollMilliseconds))
        {
            tLastAsked = tNow;
            if (!AskProgress())
                return PumpEnd::Interrupted;
        }
    }
    if (!m_osPartialLine.empty())
        HandleLine(m_osPartialLine);
    return PumpEnd::PipesClosed;
}

GenerateStats ChildSession::Finish(const ChildProcess &oChild,
                                   const std::string &osCommand)
{
    const int nStatus = oChild.Status();
    if (WIFSIGNALED(nStatus))
    {
        const int nSignal = WTERMSIG(nStatus);
        throw Error("generating references for " + m_osSource +
                    ": the generator process (" + osCommand + ", pid " +
                    std::to_string(oChild.Pid()) + ") was killed by signal " +
                    std::to_string(nSignal) + " (" + strsignal(nSignal) + ")" +
                    QuotedOutput() + GeneratorMemoryLimitNoteForCrash(m_osOther));
    }
    const int nExit = WIFEXITED(nStatus) ? WEXITSTATUS(nStatus) : 0;
    // The child's own error: the same message as an in-process generation.
    if (!m_osFailed.empty())
        throw Error(m_osFailed);
    if (nExit != 0)
        throw Error("generating references for " + m_osSource +
                    ": the generator process (" + osCommand + ") exited with code " +
                    std::to_string(nExit) + QuotedOutput() +
                    GeneratorMemoryLimitNoteForCrash(m_osOther));
    if (!m_bHaveResult)
        throw Error("generating references for " + m_osSource +
                    ": the generator process (" + osCommand +
                    ") ended without reporting a result" + QuotedOutput());
    if (m_bWriteFailed)
        throw Error("generating references for " + m_osSource +
                    ": cannot store the references (out of memory?)");
    return m_oStats;
}

GenerateStats ChildSession::FinishSource(const std::string &osCommand)
{
    if (!m_osFailed.empty())
        throw Error(m_osFailed);
    if (!m_onReferencesSize || m_nReceived != *m_onReferencesSize)
        throw Error("generating references for " + m_osSource + ": the generator process (" +
                    osCommand + ") sent " + std::to_string(m_nReceived) +
                    " bytes of references, but announced " +
                    (m_onReferencesSize ? std::to_string(*m_onReferencesSize) : "none"));
    if (m_bWriteFailed)
        throw Error("generating references for " + m_osSource +
                    ": cannot store the references (out of memory?)");
    return m_oStats;
}

// Waits for a child whose pipes are closed, asking the progress function
// meanwhile; false when it asked to stop.
bool WaitForEnd(ChildProcess &oChild, ChildSession &oSession)
{
    while (!oChild.TryWait())
    {
        if (!oSession.AskProgress())
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace kerchunk
