// A small HTTP/1.1 server on loopback for unit tests: serves one file held
// in memory to HEAD and to GET with a Range header (206, keep-alive), and
// can be told to answer the next GETs otherwise: a status, a connection
// closed unanswered, a body shorter than announced, or the whole file with
// a 200 (a server that ignores Range). Counts the requests it gets.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kerchunk_test
{

class LoopbackHttpServer
{
  public:
    enum class Fault
    {
        None,
        Status503,
        Status403,
        Reset,      // the connection is closed without an answer
        ShortBody,  // a 206 announcing the range, half of it sent
        WholeFile,  // a 200 with the whole file
    };

    explicit LoopbackHttpServer(std::string osBody) : m_osBody(std::move(osBody))
    {
        m_nListen = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sAddr{};
        sAddr.sin_family = AF_INET;
        sAddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t nLen = sizeof(sAddr);
        if (m_nListen < 0 || bind(m_nListen, reinterpret_cast<sockaddr *>(&sAddr), nLen) != 0 ||
            listen(m_nListen, 64) != 0 ||
            getsockname(m_nListen, reinterpret_cast<sockaddr *>(&sAddr), &nLen) != 0)
            throw std::runtime_error("cannot listen on loopback");
        m_nPort = ntohs(sAddr.sin_port);
        m_oAcceptor = std::thread([this] { Accept(); });
    }

    ~LoopbackHttpServer()
    {
        m_bStop = true;
        m_oAcceptor.join();
        for (auto &oThread : m_aoConnections)
            oThread.join();
        close(m_nListen);
    }

    LoopbackHttpServer(const LoopbackHttpServer &) = delete;
    LoopbackHttpServer &operator=(const LoopbackHttpServer &) = delete;

    std::string URL(const std::string &osPath) const
    {
        return "http://127.0.0.1:" + std::to_string(m_nPort) + osPath;
    }

    // The next nTimes GETs get eFault.
    void FailNext(Fault eFault, int nTimes)
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        m_eFault = eFault;
        m_nFaultsLeft = nTimes;
    }

    size_t Gets() const
    {
        return m_nGets;
    }
    size_t Heads() const
    {
        return m_nHeads;
    }

  private:
    // Waits for nFd to be readable, giving up when the server stops.
    bool WaitReadable(int nFd) const
    {
        while (!m_bStop)
        {
            pollfd sPoll{nFd, POLLIN, 0};
            if (poll(&sPoll, 1, 50) > 0)
                return true;
        }
        return false;
    }

    void Accept()
    {
        while (WaitReadable(m_nListen))
        {
            const int nFd = accept(m_nListen, nullptr, nullptr);
            if (nFd >= 0)
                m_aoConnections.emplace_back([this, nFd] { Serve(nFd); });
        }
    }

    Fault TakeFault()
    {
        std::lock_guard<std::mutex> oLock(m_oMutex);
        if (m_nFaultsLeft <= 0)
            return Fault::None;
        --m_nFaultsLeft;
        return m_eFault;
    }

    static bool SendAll(int nFd, const char *pData, size_t nSize)
    {
        while (nSize > 0)
        {
            const ssize_t nSent = send(nFd, pData, nSize, MSG_NOSIGNAL);
            if (nSent <= 0)
                return false;
            pData += nSent;
            nSize -= static_cast<size_t>(nSent);
        }
        return true;
    }

    // Answers one request; false when the connection is to be closed.
    bool Answer(int nFd, const std::string &osRequest)
    {
        if (osRequest.compare(0, 5, "HEAD ") == 0)
        {
            ++m_nHeads;
            const std::string osHead = "HTTP/1.1 200 OK\r\nContent-Length: " +
                                       std::to_string(m_osBody.size()) +
                                       "\r\nAccept-Ranges: bytes\r\n\r\n";
            return SendAll(nFd, osHead.data(), osHead.size());
        }
        ++m_nGets;
        unsigned long long nStart = 0;
        unsigned long long nEnd = 0;
        const size_t nRange = osRequest.find("Range: bytes=");
        const bool bRange = nRange != std::string::npos &&
                            sscanf(osRequest.c_str() + nRange, "Range: bytes=%llu-%llu",
                                   &nStart, &nEnd) == 2 &&
                            nStart <= nEnd && nStart < m_osBody.size();
        nEnd = std::min<unsigned long long>(nEnd, m_osBody.size() - 1);
        const Fault eFault = TakeFault();
        std::string osHead;
        if (eFault == Fault::Reset)
            return false;
        if (eFault == Fault::Status503 || eFault == Fault::Status403)
        {
            osHead = eFault == Fault::Status503 ? "HTTP/1.1 503 Unavailable\r\n"
                                                : "HTTP/1.1 403 Forbidden\r\n";
            osHead += "Content-Length: 0\r\n\r\n";
            return SendAll(nFd, osHead.data(), osHead.size());
        }
        if (!bRange || eFault == Fault::WholeFile)
        {
            osHead = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(m_osBody.size()) +
                     "\r\n\r\n";
            return SendAll(nFd, osHead.data(), osHead.size()) &&
                   SendAll(nFd, m_osBody.data(), m_osBody.size());
        }
        const size_t nSize = static_cast<size_t>(nEnd - nStart + 1);
        osHead = "HTTP/1.1 206 Partial Content\r\nContent-Length: " + std::to_string(nSize) +
                 "\r\nContent-Range: bytes " + std::to_string(nStart) + "-" +
                 std::to_string(nEnd) + "/" + std::to_string(m_osBody.size()) + "\r\n\r\n";
        const size_t nSent = eFault == Fault::ShortBody ? nSize / 2 : nSize;
        return SendAll(nFd, osHead.data(), osHead.size()) &&
               SendAll(nFd, m_osBody.data() + nStart, nSent) && eFault != Fault::ShortBody;
    }

    void Serve(int nFd)
    {
        std::string osPending;
        char szBuffer[4096];
        while (WaitReadable(nFd))
        {
            const ssize_t nRead = recv(nFd, szBuffer, sizeof(szBuffer), 0);
            if (nRead <= 0)
                break;
            osPending.append(szBuffer, static_cast<size_t>(nRead));
            size_t nEnd;
            bool bOpen = true;
            while (bOpen && (nEnd = osPending.find("\r\n\r\n")) != std::string::npos)
            {
                bOpen = Answer(nFd, osPending.substr(0, nEnd + 4));
                osPending.erase(0, nEnd + 4);
            }
            if (!bOpen)
                break;
        }
        shutdown(nFd, SHUT_RDWR);
        close(nFd);
    }

    std::string m_osBody;
    int m_nListen = -1;
    int m_nPort = 0;
    std::atomic<bool> m_bStop{false};
    std::atomic<size_t> m_nGets{0};
    std::atomic<size_t> m_nHeads{0};
    std::mutex m_oMutex{};
    Fault m_eFault = Fault::None;
    int m_nFaultsLeft = 0;
    std::thread m_oAcceptor{};
    std::vector<std::thread> m_aoConnections{};  // touched by the acceptor only
};

}  // namespace kerchunk_test
