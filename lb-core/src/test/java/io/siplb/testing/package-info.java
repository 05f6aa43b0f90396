/** Test support shared by every module's tests: leak detection that fails the build. */
package io.siplb.testing;
