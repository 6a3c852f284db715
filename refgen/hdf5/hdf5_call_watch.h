// libhdf5 loops forever on some corrupt files: its variable-length
// conversion spins on a corrupt global heap (tests/fuzz/regressions/
// fuzz_hdf5/libhdf5_vlen_conversion_hang). While a libhdf5 read that can do
// so runs, a CallWatch publishes what it reads and the CPU clock of its
// thread; a watchdog (the generator child's, apps/) asks FindStuckCall and
// ends the process with an error naming the object, instead of leaving the
// application that opened the file waiting forever.
#pragma once

#include <string>

namespace kerchunk::hdf5
{

class CallWatch
{
  public:
    // osWhat: what the call reads ("the attributes of '/x'"). Nested watches
    // of one thread keep the outermost.
    explicit CallWatch(const std::string &osWhat);
    ~CallWatch();
    CallWatch(const CallWatch &) = delete;
    CallWatch &operator=(const CallWatch &) = delete;

  private:
    bool m_bRegistered = false;
};

// What a watched call that has used more than dfCpuSeconds of its thread's
// CPU time reads; empty when there is none.
std::string FindStuckCall(double dfCpuSeconds);

}  // namespace kerchunk::hdf5
