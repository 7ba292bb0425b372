"""An outside Modbus/TCP implementation (Debian's python3-pymodbus) serving ECL-like registers.

Usage: pymodbus-ecl-server.py <port> <registers.json>
registers.json maps 0-based register addresses to raw 16-bit values; every other address is unserved,
so a read across it fails with exception 2, as on a real ECL.
"""
import json
import logging
import sys

from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext, ModbusSparseDataBlock
from pymodbus.server import StartTcpServer

logging.basicConfig(level=logging.CRITICAL)
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # exception answers are expected here, not errors
port = int(sys.argv[1])
with open(sys.argv[2]) as f:
    values = {int(k): int(v) for k, v in json.load(f).items()}
block = ModbusSparseDataBlock(values)
slave = ModbusSlaveContext(hr=block, ir=block, zero_mode=True)
context = ModbusServerContext(slaves={1: slave}, single=False)
print("READY", flush=True)
StartTcpServer(context=context, address=("127.0.0.1", port))
