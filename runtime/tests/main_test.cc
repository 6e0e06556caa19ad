// The Boost.Test entry point for runtime_env_test.
#define BOOST_TEST_MODULE runtime_env
#include <boost/test/unit_test.hpp>
