"""Demo data for Sangsaeng: the organisations of the seed articles and a synthetic generator.

``seeds`` holds the organisations and supply links the five seed articles describe (LS ELECTRIC
and its ACE CLUB council, the Gwangyang innovation hub, KOWEPO's industrial innovation
programme, Kakao's merchant street and Hyundai AutoEver's ESG support, KEIS's cooperation fund,
the win-win payment banks) and the demo logins. ``synthetic`` makes any number of realistic
companies with tiered supply chains, fast, for load tests and a full-looking demo.

Plain modules, not an installed app: they only write through the partner registry's models and
services, and are used by ``sangsaeng demo``, the benchmark and tests.
"""
