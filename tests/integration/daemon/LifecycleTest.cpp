#include "DaemonFixture.hpp"
