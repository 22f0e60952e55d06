// fwd_fileserver_idleclients: opens N HTTPS keep-alive connections to a server (OpenSSL, one
// shared context, a few threads), makes one small request on each, leaves them idle, then checks
// that a new connection is still served and how many of the idle ones are still open. For the
// benchmark script (idle connections held, memory per idle connection). Not a test.
//
//   fwd_fileserver_idleclients --port N --path /file --count 10000 --ca cert.pem
//                              [--threads 2] [--hold-ms 3000] [--ready-file PATH]
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Conn
{
    int fd = -1;
    SSL *ssl = nullptr;
};

std::string arg(int argc, char **argv, const char *name, const char *fallback)
{
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return fallback;
}

// Connects, handshakes, sends one request, reads one response; the connection stays open.
bool open(SSL_CTX *ctx, int port, const std::string &path, Conn &out, int *status)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); // no Nagle stall per request
    timeval tv = {20, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return false;
    }
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, "127.0.0.1");
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-0\r\n\r\n";
    bool ok =
        SSL_connect(ssl) == 1 && SSL_write(ssl, req.data(), int(req.size())) == int(req.size());
    std::string resp;
    char buf[4096];
    while (ok) {
        const size_t end = resp.find("\r\n\r\n");
        if (end != std::string::npos) {
            const size_t cl = resp.find("Content-Length: ");
            const long len = cl == std::string::npos ? 0 : std::atol(resp.c_str() + cl + 16);
            if (resp.size() >= end + 4 + size_t(len))
                break;
        }
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0)
            ok = false;
        else
            resp.append(buf, size_t(n));
    }
    ERR_clear_error();
    if (!ok) {
        SSL_free(ssl);
        ::close(fd);
        return false;
    }
    *status = std::atoi(resp.c_str() + 9);
    out = {fd, ssl};
    return true;
}

// Still open: no EOF or error pending on the socket.
bool stillOpen(const Conn &c)
{
    pollfd p = {c.fd, POLLIN, 0};
    if (::poll(&p, 1, 0) == 0)
        return true;
    char b;
    return ::recv(c.fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

} // namespace

int main(int argc, char **argv)
{
    const int port = std::atoi(arg(argc, argv, "--port", "0").c_str());
    const std::string path = arg(argc, argv, "--path", "/");
    const int count = std::atoi(arg(argc, argv, "--count", "10000").c_str());
    const int threads = std::max(1, std::atoi(arg(argc, argv, "--threads", "2").c_str()));
    const int holdMs = std::atoi(arg(argc, argv, "--hold-ms", "3000").c_str());
    const std::string ca = arg(argc, argv, "--ca", "");
    const std::string readyFile = arg(argc, argv, "--ready-file", "");
    if (port <= 0 || ca.empty()) {
        std::fprintf(stderr, "usage: %s --port N --ca cert.pem [--path /f] [--count N]\n", argv[0]);
        return 2;
    }
    rlimit rl = {};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr) != 1) {
        std::fprintf(stderr, "cannot load %s\n", ca.c_str());
        return 2;
    }

    std::vector<Conn> conns(static_cast<size_t>(count));
    std::atomic<int> next{0}, opened{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = next++; i < count; i = next++) {
                int status = 0;
                if (open(ctx, port, path, conns[size_t(i)], &status) && status == 206)
                    ++opened;
                else
                    ++failed;
            }
        });
    }
    for (auto &t : pool)
        t.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("opened %d idle keep-alive HTTPS connections in %.1f s (%d failed)\n",
                opened.load(), secs, failed.load());
    std::fflush(stdout);
    if (!readyFile.empty())
        std::ofstream(readyFile) << opened.load() << "\n";

    Conn late;
    int status = 0;
    const bool lateOk = open(ctx, port, path, late, &status);
    std::printf("new connection while %d held: %s %d\n", opened.load(),
                lateOk ? "served, HTTP" : "REFUSED", status);
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(holdMs)); // a tool, not a test
    int alive = 0;
    for (const Conn &c : conns)
        alive += (c.ssl && stillOpen(c)) ? 1 : 0;
    std::printf("still open after %d ms: %d of %d\n", holdMs, alive, opened.load());
    for (Conn &c : conns) {
        if (c.ssl) {
            SSL_free(c.ssl);
            ::close(c.fd);
        }
    }
    SSL_CTX_free(ctx);
    return lateOk && failed == 0 ? 0 : 1;
}
